package importcsv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq/importcsv"
)

// The template, imported as is, is a valid FAQ file with the item and its
// German translation.
func TestTemplateImportsToAValidFAQ(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := importcsv.WriteTemplate(&b); err != nil {
		t.Fatal(err)
	}
	y, err := importcsv.Import(strings.NewReader(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.WriteFile(p, y, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFAQ(p)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	it := f.Menu[0].Items[0]
	if f.Menu[0].ID != "network-vpn" || it.ID != "vpn-connect" || len(it.Alternates) != 2 || len(it.Keywords) != 2 ||
		!strings.Contains(it.Answer, "GlobalProtect") || it.Translations["de"].Question != "Wie verbinde ich mich mit dem VPN?" {
		t.Errorf("imported:\n%s", y)
	}
}

func TestImportNestsCategoryPaths(t *testing.T) {
	t.Parallel()
	in := "category,id,question,alternates,keywords,answer,language\n" +
		"Accounts,pw,Reset password?,forgot password|password expired,,Go to id.example.com,en\n" +
		"Accounts > Two-factor,mfa,New phone?,,mfa,Scan the QR code,en\n"
	y, err := importcsv.Import(strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.WriteFile(p, y, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFAQ(p)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	if len(f.Menu) != 1 || len(f.Menu[0].Children) != 1 || f.Menu[0].Children[0].Items[0].ID != "mfa" {
		t.Errorf("imported:\n%s", y)
	}
}

func TestImportNamesEveryBadRow(t *testing.T) {
	t.Parallel()
	in := "category,id,question,alternates,keywords,answer,language\n" +
		"Net,vpn,How do I connect?,,,Open the client,en\n" + // row 2: fine
		"Net,,No id,,,x,en\n" + // row 3
		"Net,vpn,Again,,,x,en\n" + // row 4: duplicate
		"Net,wifi,Wifi?,,,,en\n" + // row 5: no answer
		",nope,Frage?,,,Antwort,de\n" + // row 6: translation of unknown item
		"Net,has space,Q,,,A,en\n" + // row 7
		",,,,,,\n" // row 8: blank, ignored
	_, err := importcsv.Import(strings.NewReader(in), "")
	var rows importcsv.Errors
	if !errors.As(err, &rows) {
		t.Fatalf("err = %v, want row errors", err)
	}
	var got []int
	for _, r := range rows {
		got = append(got, r.Row)
	}
	if want := []int{3, 4, 5, 6, 7}; len(got) != len(want) || got[0] != 3 || got[1] != 4 || got[2] != 5 || got[3] != 6 || got[4] != 7 {
		t.Errorf("rows %v, want %v:\n%v", got, want, err)
	}
	if !strings.Contains(err.Error(), `row 4: duplicate id "vpn"`) {
		t.Errorf("error text:\n%v", err)
	}
	if _, err := importcsv.Import(strings.NewReader("a,b\n1,2\n"), ""); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("bad header: %v", err)
	}
}
