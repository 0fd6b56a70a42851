package importcsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// TemplateSheet is the name of the sheet the XLSX template is filled in.
const TemplateSheet = "FAQ"

// ErrNotXLSX is wrapped by ImportXLSX's error when the file is not an
// Excel workbook (a CSV file, an old .xls, a password-protected one).
var ErrNotXLSX = errors.New("not an XLSX workbook")

// columnWidths are the template's column widths, in characters, in the
// order of Columns.
var columnWidths = []float64{24, 18, 42, 48, 24, 64, 10}

// help is the text of the template's second sheet.
var help = []string{
	"How to fill the FAQ sheet",
	"",
	"One row per FAQ item. Only the first sheet is imported; row 1 is the header, keep it.",
	"category: the menu category the item is in; \"Accounts > Two-factor\" puts it in a sub-category.",
	"id: a unique name for the item: letters, digits, - and _, no spaces.",
	"question: the question as users would ask it.",
	"alternates: other ways users ask the same thing, separated by |.",
	"keywords: words that point to this item, separated by |.",
	"answer: the reply the bot gives; line breaks (Alt+Enter) are kept.",
	"language: the language of the row, e.g. en. A row with the same id in another language",
	"    (category may be left empty) adds that item's translation.",
	"",
	"Then run: helpdesk faq import faq.xlsx -o faq.yaml",
}

// WriteTemplateXLSX writes the template as an Excel workbook: a sheet
// "FAQ" with the header row (bold, frozen), column widths that fit the
// content, every cell formatted as text (so an id such as 007 stays
// 007), one example row, and a second sheet explaining the columns.
func WriteTemplateXLSX(w io.Writer) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write xlsx template: %w", cerr)
		}
	}()
	if err := fillTemplate(f); err != nil {
		return fmt.Errorf("write xlsx template: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx template: %w", err)
	}
	return nil
}

func fillTemplate(f *excelize.File) error {
	if err := f.SetSheetName(f.GetSheetName(0), TemplateSheet); err != nil {
		return err
	}
	s := TemplateSheet
	text, err := f.NewStyle(&excelize.Style{
		NumFmt:    49, // "@": text
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{
		NumFmt:    49,
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 2}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return err
	}
	last, err := excelize.ColumnNumberToName(len(Columns))
	if err != nil {
		return err
	}
	if err := f.SetColStyle(s, "A:"+last, text); err != nil {
		return err
	}
	for i, width := range columnWidths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(s, col, col, width); err != nil {
			return err
		}
	}
	cols := make([]any, len(Columns))
	for i, c := range Columns {
		cols[i] = c
	}
	example := []any{"Network & VPN", "vpn-connect", "How do I connect to the VPN?",
		"VPN does not connect|can't reach the intranet from home", "vpn|globalprotect",
		"1. Open GlobalProtect.\n2. Sign in with your company account.", "en"}
	if err := f.SetSheetRow(s, "A1", &cols); err != nil {
		return err
	}
	if err := f.SetSheetRow(s, "A2", &example); err != nil {
		return err
	}
	if err := f.SetCellStyle(s, "A1", last+"1", header); err != nil {
		return err
	}
	if err := f.SetCellStyle(s, "A2", last+"2", text); err != nil {
		return err
	}
	if err := f.SetRowHeight(s, 1, 20); err != nil {
		return err
	}
	if err := f.SetRowHeight(s, 2, 32); err != nil {
		return err
	}
	if err := f.SetPanes(s, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}

	const h = "How to fill"
	if _, err := f.NewSheet(h); err != nil {
		return err
	}
	if err := f.SetColWidth(h, "A", "A", 100); err != nil {
		return err
	}
	for i, line := range help {
		if err := f.SetCellStr(h, fmt.Sprintf("A%d", i+1), line); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(h, "A1", "A1", bold); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
}

// ImportXLSX is Import for an Excel workbook: it reads the sheet named
// sheet (any case; "" = the first sheet) and returns the FAQ as YAML.
// Row numbers in the Errors are the sheet's row numbers. A file that is
// not an XLSX workbook gives an error wrapping ErrNotXLSX.
func ImportXLSX(r io.Reader, sheet, baseLang string) ([]byte, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read xlsx: %w", err)
	}
	if err := checkXLSXMagic(head); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: it is a damaged workbook or a ZIP archive of something else (%v)", ErrNotXLSX, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: the file has no worksheet", ErrNotXLSX)
	}
	name := sheets[0]
	if sheet != "" {
		name = ""
		for _, s := range sheets {
			if strings.EqualFold(s, sheet) {
				name = s
				break
			}
		}
		if name == "" {
			return nil, fmt.Errorf("the workbook has no sheet %q (its sheets: %s)", sheet, strings.Join(sheets, ", "))
		}
	}
	rows, err := f.GetRows(name)
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", name, err)
	}
	out, err := importRecords(rows, baseLang)
	var es Errors
	if errors.As(err, &es) {
		// Say which sheet was read when its header is wrong: the likely
		// cause is a workbook whose first sheet is not the FAQ.
		for i := range es {
			if es[i].Row == 1 {
				es[i].Msg += fmt.Sprintf(" (sheet %q)", name)
			}
		}
	}
	return out, err
}

// checkXLSXMagic tells the usual wrong files apart by their first bytes:
// an XLSX workbook is a ZIP archive.
func checkXLSXMagic(head []byte) error {
	switch {
	case len(head) == 0:
		return fmt.Errorf("%w: the file is empty", ErrNotXLSX)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return fmt.Errorf("%w: it is an Excel 97-2003 (.xls) or password-protected workbook; "+
			"save it as \"Excel Workbook (.xlsx)\" without a password", ErrNotXLSX)
	case looksLikeText(head):
		return fmt.Errorf("%w: it is a text file (CSV?)", ErrNotXLSX)
	}
	return fmt.Errorf("%w: it is not a ZIP archive", ErrNotXLSX)
}

// looksLikeText is true when b has no control bytes but tabs and line
// breaks (UTF-8 and other encodings of text pass).
func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
