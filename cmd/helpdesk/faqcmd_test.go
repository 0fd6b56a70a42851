package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

const fixtureFAQ, fixtureCases = "../../faq/testdata/it.yaml", "../../faq/testdata/it-cases.jsonl"

func TestFAQEvalPrintsTheContractLineLast(t *testing.T) {
	var out, errOut strings.Builder
	if code := faqCmd([]string{"eval", fixtureFAQ, fixtureCases, "-calibration"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	re := regexp.MustCompile(`^hit@1=1\.000 hit@3=1\.000 answered=[01]\.\d{3} wrong=0\.000 oos_reject=1\.000 p50_us=\d+ p99_us=\d+ n=22$`)
	if !re.MatchString(lines[len(lines)-1]) {
		t.Errorf("output:\n%s", out.String())
	}
	for _, want := range []string{"lang=de ", "lang=fr ", "confidence  cases  top hit right"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q in:\n%s", want, out.String())
		}
	}
}

func TestFAQEvalFlags(t *testing.T) {
	var out, errOut strings.Builder
	if code := faqCmd([]string{"eval", "-json", "-answer", "0.99", "-suggest", "0.1", fixtureFAQ, fixtureCases}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		Answer  float64 `json:"answer_threshold"`
		Overall struct {
			N int `json:"n"`
		} `json:"overall"`
		Languages map[string]any `json:"languages"`
	}
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Answer != 0.99 || rep.Overall.N != 22 || rep.Languages["fr"] == nil {
		t.Errorf("report %+v", rep)
	}
	for _, args := range [][]string{{"eval", fixtureFAQ}, {"eval", "nope.yaml", fixtureCases}, {"bogus"}, {}} {
		errOut.Reset()
		if code := faqCmd(args, &out, &errOut); code == 0 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

func TestFAQTemplateThenImport(t *testing.T) {
	dir := t.TempDir()
	csvPath, yamlPath := filepath.Join(dir, "faq.csv"), filepath.Join(dir, "faq.yaml")
	var out, errOut strings.Builder
	if code := faqCmd([]string{"template", "-o", csvPath}, &out, &errOut); code != 0 {
		t.Fatalf("template: exit %d: %s", code, errOut.String())
	}
	if code := faqCmd([]string{"import", csvPath, "-o", yamlPath}, &out, &errOut); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut.String())
	}
	if code := run([]string{"check", writeConfig(t, dir, "faq.yaml")}, &out, &errOut); code != 0 {
		t.Fatalf("check of the imported FAQ: exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("category,id,question,alternates,keywords,answer,language\nNet,vpn,Q?,,,,en\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := faqCmd([]string{"import", bad}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), bad+":2: ") {
		t.Errorf("bad row: exit %d, stderr %q", code, errOut.String())
	}
}

// The XLSX path end to end: template, fill it in a spreadsheet, import,
// check; bad rows by spreadsheet row number; a CSV named .xlsx refused.
func TestFAQTemplateThenImportXLSX(t *testing.T) {
	dir := t.TempDir()
	xlsxPath, yamlPath := filepath.Join(dir, "faq.xlsx"), filepath.Join(dir, "faq.yaml")
	var out, errOut strings.Builder
	if code := faqCmd([]string{"template", "-o", xlsxPath}, &out, &errOut); code != 0 {
		t.Fatalf("template: exit %d: %s", code, errOut.String())
	}
	wb, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatalf("the template is not a workbook: %v", err)
	}
	for i, r := range [][]any{
		{"Printing", "printer-add", "How do I add a printer?", "printer missing", "", "Settings > Printers > Add.", "en"},
		{"", "printer-add", "Wie füge ich einen Drucker hinzu?", "", "", "Einstellungen > Drucker > Hinzufügen.", "de"},
		{"Printing", "toner", "Toner is empty", "", "", "", "en"}, // row 5: no answer
	} {
		if err := wb.SetSheetRow("FAQ", fmt.Sprintf("A%d", i+3), &r); err != nil {
			t.Fatal(err)
		}
	}
	bad := filepath.Join(dir, "bad.xlsx")
	if err := wb.SaveAs(bad); err != nil {
		t.Fatal(err)
	}
	if err := wb.RemoveRow("FAQ", 5); err != nil {
		t.Fatal(err)
	}
	if err := wb.SaveAs(xlsxPath); err != nil { // faq.xlsx: without row 5
		t.Fatal(err)
	}
	wb.Close()

	if code := faqCmd([]string{"import", xlsxPath, "-o", yamlPath}, &out, &errOut); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut.String())
	}
	y, err := os.ReadFile(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"id: printer-add", "de:", "Wie füge ich einen Drucker hinzu?", "id: vpn-connect"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("want %q in the imported FAQ:\n%s", want, y)
		}
	}
	if code := run([]string{"check", writeConfig(t, dir, "faq.yaml")}, &out, &errOut); code != 0 {
		t.Fatalf("check of the imported FAQ: exit %d:\n%s%s", code, out.String(), errOut.String())
	}

	errOut.Reset()
	if code := faqCmd([]string{"import", bad}, &out, &errOut); code != 1 ||
		errOut.String() != bad+":5: item \"toner\" has no answer\n" {
		t.Errorf("bad row: exit %d, stderr %q", code, errOut.String())
	}

	csvNamedXLSX := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(csvNamedXLSX, []byte("category,id,question,alternates,keywords,answer,language\nNet,vpn,Q?,,,A,en\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := faqCmd([]string{"import", csvNamedXLSX}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "export.xlsx: not an XLSX workbook: it is a text file (CSV?)") {
		t.Errorf("CSV named .xlsx: exit %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	if code := faqCmd([]string{"import", "-format", "csv", csvNamedXLSX}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "id: vpn") {
		t.Errorf("-format csv: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}

	for _, args := range [][]string{
		{"template", "-format", "ods"},
		{"template", "-o", filepath.Join(dir, "old.xls")},
		{"import", "-sheet", "FAQ", filepath.Join(dir, "faq.csv")},
	} {
		errOut.Reset()
		if code := faqCmd(args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
	out.Reset()
	if code := faqCmd([]string{"template", "-format", "xlsx"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "PK\x03\x04") {
		t.Errorf("-format xlsx to stdout: exit %d, %d bytes", code, out.Len())
	}
}

func writeConfig(t *testing.T, dir, faqFile string) string {
	t.Helper()
	cfg := "store: sqlite:helpdesk.db\ndesks:\n  - id: it\n    name: IT\n    languages: [en, de]\n    faq: " + faqFile +
		"\n    agents:\n      - {name: Ada, web: ada}\n"
	path := filepath.Join(dir, "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFAQSuggestReadsTheQuestionLog(t *testing.T) {
	dir := t.TempDir()
	faqYAML := "menu:\n  - id: net\n    title: Network\n    items:\n      - id: vpn\n        question: How do I connect to the VPN?\n        answer: Open the client.\n"
	if err := os.WriteFile(filepath.Join(dir, "faq.yaml"), []byte(faqYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, dir, "faq.yaml")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, q := range []tickets.Question{
		{Desk: "it", Text: "tunnel keeps dropping", ItemID: "vpn", Outcome: tickets.OutcomePickedHelpful, At: now},
		{Desk: "it", Text: "how do I order a monitor", Outcome: tickets.OutcomeUnanswered, At: now},
		{Desk: "it", Text: "How do I order a monitor?", Outcome: tickets.OutcomeEscalated, At: now},
		{Desk: "it", Text: "ancient question", Outcome: tickets.OutcomeUnanswered, At: now.Add(-60 * 24 * time.Hour)},
	} {
		if _, err := st.RecordQuestion(ctx, &q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out, errOut strings.Builder
	if code := faqCmd([]string{"suggest", "-config", path, "-since", "30d"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	s := out.String()
	for _, want := range []string{"- id: vpn", "tunnel keeps dropping", "asked 2×", "question: how do I order a monitor"} {
		if !strings.Contains(s, want) {
			t.Errorf("want %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "ancient") {
		t.Errorf("-since 30d must leave out older questions:\n%s", s)
	}
}

// Every listed phrasing of the example FAQs, in every language they have,
// is answered with its item, and their case files score no wrong answer.
func TestFAQEvalSelfOnTheExamples(t *testing.T) {
	for _, name := range []string{"it", "hr"} {
		faqFile := "../../examples/faq/" + name + ".yaml"
		for _, args := range [][]string{{"eval", "--self", faqFile}, {"eval", faqFile, "../../examples/faq/" + name + "-cases.jsonl"}} {
			var out, errOut strings.Builder
			if code := faqCmd(args, &out, &errOut); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			last := lines[len(lines)-1]
			want := `^hit@1=1\.000 hit@3=1\.000 answered=1\.000 wrong=0\.000 `
			if args[1] != "--self" {
				want = `^hit@1=1\.000 hit@3=1\.000 answered=0\.\d{3} wrong=0\.000 oos_reject=1\.000 `
			}
			if !regexp.MustCompile(want).MatchString(last) {
				t.Errorf("%v:\n%s", args, out.String())
			}
		}
	}
}
