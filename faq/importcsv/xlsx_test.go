package importcsv_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq/importcsv"
)

// fillXLSX writes rows into sheet of the workbook in b, starting at the
// given row, as a spreadsheet user would type them (a nil row is left
// blank), and returns the saved workbook.
func fillXLSX(t *testing.T, b []byte, sheet string, first int, rows [][]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, r := range rows {
		if r == nil {
			continue
		}
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", first+i), &vals); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func template(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := importcsv.WriteTemplateXLSX(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func loadYAML(t *testing.T, y []byte) *config.FAQ {
	t.Helper()
	p := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.WriteFile(p, y, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFAQ(p)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	return f
}

// The template opens in a spreadsheet as the FAQ sheet with the columns
// in a frozen header, readable widths and an example row.
func TestXLSXTemplateLooksRightInASpreadsheet(t *testing.T) {
	t.Parallel()
	f, err := excelize.OpenReader(bytes.NewReader(template(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) < 1 || got[0] != importcsv.TemplateSheet {
		t.Fatalf("sheets %v, want %q first", got, importcsv.TemplateSheet)
	}
	rows, err := f.GetRows(importcsv.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(importcsv.Columns, ",") || rows[1][1] != "vpn-connect" {
		t.Errorf("rows %q", rows)
	}
	panes, err := f.GetPanes(importcsv.TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
		t.Errorf("panes %+v, want the header row frozen", panes)
	}
	for col, min := range map[string]float64{"C": 30, "F": 40, "G": 8} {
		w, err := f.GetColWidth(importcsv.TemplateSheet, col)
		if err != nil {
			t.Fatal(err)
		}
		if w < min {
			t.Errorf("column %s is %.1f wide, want ≥ %.0f", col, w, min)
		}
	}
}

// Rows filled into the XLSX template give the same FAQ as the same rows
// in a CSV file: items, sub-categories, translations, multi-line answers;
// a blank row in between is skipped.
func TestXLSXRoundTripMatchesCSV(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"Accounts", "pw-reset", "How do I reset my password?", "forgot password|password expired", "password",
			"Go to id.example.com\nand click \"Forgot\".", "en"},
		nil, // row 4 left blank
		{"Accounts > Two-factor", "mfa-phone", "I have a new phone", "", "mfa|authenticator", "Scan the QR code again.", "en"},
		{"", "pw-reset", "Wie setze ich mein Passwort zurück?", "Passwort vergessen", "", "Gehe zu id.example.com.", "de"},
		{"", "vpn-connect", "Comment me connecter au VPN ?", "", "", "Ouvrez GlobalProtect.", "fr"},
	}
	y, err := importcsv.ImportXLSX(bytes.NewReader(fillXLSX(t, template(t), importcsv.TemplateSheet, 3, rows)), "", "")
	if err != nil {
		t.Fatal(err)
	}
	f := loadYAML(t, y)
	if len(f.Menu) != 2 || f.Menu[1].Title != "Accounts" || len(f.Menu[1].Children) != 1 ||
		f.Menu[1].Children[0].Items[0].ID != "mfa-phone" {
		t.Fatalf("menu:\n%s", y)
	}
	pw := f.Menu[1].Items[0]
	if pw.ID != "pw-reset" || pw.Answer != "Go to id.example.com\nand click \"Forgot\"." || len(pw.Alternates) != 2 ||
		pw.Translations["de"].Question != "Wie setze ich mein Passwort zurück?" {
		t.Errorf("pw-reset:\n%s", y)
	}
	if vpn := f.Menu[0].Items[0]; vpn.ID != "vpn-connect" || vpn.Translations["fr"].Question != "Comment me connecter au VPN ?" ||
		vpn.Translations["fr"].Answer != "Ouvrez GlobalProtect." {
		t.Errorf("vpn-connect:\n%s", y)
	}

	// The same rows as CSV (the template's example row first).
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write(importcsv.Columns)
	_ = cw.Write([]string{"Network & VPN", "vpn-connect", "How do I connect to the VPN?",
		"VPN does not connect|can't reach the intranet from home", "vpn|globalprotect",
		"1. Open GlobalProtect.\n2. Sign in with your company account.", "en"})
	for _, r := range rows {
		if r != nil {
			_ = cw.Write(r)
		}
	}
	cw.Flush()
	fromCSV, err := importcsv.Import(&b, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(y, fromCSV) {
		t.Errorf("XLSX import:\n%s\nCSV import of the same rows:\n%s", y, fromCSV)
	}
}

// Bad rows are reported by the row number the spreadsheet shows, blank
// rows and multi-line cells included.
func TestXLSXNamesBadRowsAsTheSpreadsheetNumbersThem(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"Net", "wifi", "Wifi?", "", "", "Line one\nline two\nline three", "en"}, // row 3: fine
		nil,                                     // row 4: blank
		{"Net", "", "No id", "", "", "x", "en"}, // row 5
		{"Net", "wifi", "Again", "", "", "x", "en"},    // row 6: duplicate
		{"Net", "printer", "Printer?", "", "", "", ""}, // row 7: no answer
		nil, nil, // rows 8, 9
		{"", "nope", "Frage?", "", "", "Antwort", "de"}, // row 10: unknown item
	}
	_, err := importcsv.ImportXLSX(bytes.NewReader(fillXLSX(t, template(t), importcsv.TemplateSheet, 3, rows)), "", "")
	var es importcsv.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v, want row errors", err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprint(e.Row))
	}
	if strings.Join(got, ",") != "5,6,7,10" {
		t.Errorf("rows %v, want 5,6,7,10:\n%v", got, err)
	}
	if !strings.Contains(err.Error(), `row 6: duplicate id "wifi"`) {
		t.Errorf("error text:\n%v", err)
	}
}

func TestXLSXSheetChoice(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStr("Notes", "A1", "Draft FAQ for the new office"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Items"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	wb := fillXLSX(t, b.Bytes(), "Items", 1, [][]string{importcsv.Columns, {"Net", "vpn", "VPN?", "", "", "Open the client.", "en"}})

	if _, err := importcsv.ImportXLSX(bytes.NewReader(wb), "", ""); err == nil ||
		!strings.Contains(err.Error(), `row 1: the header has no "id" column`) || !strings.Contains(err.Error(), `sheet "Notes"`) {
		t.Errorf("first sheet is not the FAQ: err = %v", err)
	}
	y, err := importcsv.ImportXLSX(bytes.NewReader(wb), "items", "")
	if err != nil {
		t.Fatal(err)
	}
	if f := loadYAML(t, y); f.Menu[0].Items[0].ID != "vpn" {
		t.Errorf("imported:\n%s", y)
	}
	if _, err := importcsv.ImportXLSX(bytes.NewReader(wb), "Other", ""); err == nil ||
		!strings.Contains(err.Error(), `no sheet "Other" (its sheets: Notes, Items)`) {
		t.Errorf("missing sheet: err = %v", err)
	}
}

func TestXLSXRejectsFilesThatAreNotWorkbooks(t *testing.T) {
	t.Parallel()
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("notes.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	for name, tc := range map[string]struct {
		data string
		want string
	}{
		"csv":     {"category,id,question,alternates,keywords,answer,language\nNet,vpn,Q?,,,A,en\n", "text file (CSV?)"},
		"empty":   {"", "the file is empty"},
		"xls":     {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 504), "Excel 97-2003 (.xls)"},
		"png":     {"\x89PNG\r\n\x1a\n\x00\x00", "not a ZIP archive"},
		"zip":     {zipped.String(), "a ZIP archive of something else"},
		"garbled": {"PK\x03\x04 truncated", "damaged workbook"},
	} {
		_, err := importcsv.ImportXLSX(strings.NewReader(tc.data), "", "")
		if !errors.Is(err, importcsv.ErrNotXLSX) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrNotXLSX saying %q", name, err, tc.want)
		}
	}
}
