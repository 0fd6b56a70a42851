package faq_test

import (
	"testing"
)

func TestMenuNavigation(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)

	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	equal := func(a, b []string) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}

	t.Run("categories", func(t *testing.T) {
		for _, tc := range []struct {
			parent string
			want   []string
		}{
			{"", []string{"accounts", "network", "workplace"}},
			{"accounts", []string{"mfa"}},
			{"mfa", []string{}},
			{"no-such-category", []string{}},
		} {
			cats := ix.Categories(tc.parent)
			got := ids(len(cats), func(i int) string { return cats[i].ID })
			if !equal(got, tc.want) {
				t.Errorf("Categories(%q) = %v, want %v", tc.parent, got, tc.want)
			}
		}
	})

	t.Run("items", func(t *testing.T) {
		for _, tc := range []struct {
			cat  string
			want []string
		}{
			{"accounts", []string{"password-reset", "account-locked"}},
			{"mfa", []string{"mfa-new-phone"}},
			{"workplace", []string{"outlook-calendar", "meeting-room", "printer-add"}},
			{"no-such-category", []string{}},
		} {
			items := ix.Items(tc.cat)
			got := ids(len(items), func(i int) string { return items[i].ID })
			if !equal(got, tc.want) {
				t.Errorf("Items(%q) = %v, want %v", tc.cat, got, tc.want)
			}
		}
	})

	t.Run("titles are localized with fallback", func(t *testing.T) {
		for _, tc := range []struct{ cat, lang, want string }{
			{"accounts", "en", "Accounts & passwords"},
			{"accounts", "de", "Konten & Passwörter"},
			{"accounts", "fr-CA", "Comptes et mots de passe"},
			{"mfa", "fr", "Two-factor authentication"}, // no French title
			{"workplace", "de", "Workplace"},
			{"workplace", "fr", "Poste de travail"},
			{"network", "", "Network & VPN"},
		} {
			c, ok := ix.Category(tc.cat)
			if !ok {
				t.Fatalf("Category(%q) not found", tc.cat)
			}
			if got := ix.CategoryTitle(c, tc.lang); got != tc.want {
				t.Errorf("CategoryTitle(%s, %q) = %q, want %q", tc.cat, tc.lang, got, tc.want)
			}
		}
		if _, ok := ix.Category("nope"); ok {
			t.Error("Category(nope) found")
		}
	})

	t.Run("item lookup and category of an item", func(t *testing.T) {
		for _, tc := range []struct{ item, cat string }{
			{"password-reset", "accounts"},
			{"mfa-new-phone", "mfa"},
			{"wifi-guest", "network"},
			{"nope", ""},
		} {
			if got := ix.CategoryOf(tc.item); got != tc.cat {
				t.Errorf("CategoryOf(%q) = %q, want %q", tc.item, got, tc.cat)
			}
			it, ok := ix.Item(tc.item)
			if ok != (tc.cat != "") || (ok && it.ID != tc.item) {
				t.Errorf("Item(%q) = %v, %v", tc.item, it, ok)
			}
		}
	})

	t.Run("localize falls back per field", func(t *testing.T) {
		it, _ := ix.Item("password-reset")
		for _, tc := range []struct{ lang, q, a string }{
			{"en", "How do I reset my password?", `Go to https://id.example.com and choose "Forgot password".`},
			{"de", "Wie kann ich mein Passwort zurücksetzen?", "Öffne https://id.example.com und wähle „Passwort vergessen“."},
			{"it", "How do I reset my password?", `Go to https://id.example.com and choose "Forgot password".`},
		} {
			q, a := ix.Localize(it, tc.lang)
			if q != tc.q || a != tc.a {
				t.Errorf("Localize(%s) = %q, %q; want %q, %q", tc.lang, q, a, tc.q, tc.a)
			}
		}
		wifi, _ := ix.Item("wifi-guest")
		if q, _ := ix.Localize(wifi, "fr"); q != "How do guests get on the Wi-Fi?" {
			t.Errorf("untranslated item in fr: %q", q)
		}
	})
}
