package config_test

import (
	"slices"
	"strings"
	"testing"
)

func TestAPIIntegrations(t *testing.T) {
	t.Setenv("CRM_TOKEN", "crm-0123456789abcdef")
	const desks = "desks:\n  - id: it\n  - id: hr\n"
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": desks +
		"api:\n  - {name: crm, token: \"${CRM_TOKEN}\", desks: [it]}\n"})
	if len(cfg.API) != 1 || cfg.API[0].Name != "crm" || cfg.API[0].Token != "crm-0123456789abcdef" || !slices.Equal(cfg.API[0].Desks, []string{"it"}) {
		t.Fatalf("api = %+v, want crm with the expanded token on desk it", cfg.API)
	}

	for _, c := range []struct {
		name, api, want string
	}{
		{"short token", "api:\n  - {name: crm, token: abc, desks: [it]}\n", `helpdesk.yaml:5: API integration "crm" needs a token of at least 16 characters`},
		{"no name", "api:\n  - {token: 0123456789abcdefgh, desks: [it]}\n", "helpdesk.yaml:5: API integration without name"},
		{"unknown desk", "api:\n  - {name: crm, token: 0123456789abcdefgh, desks: [it, sales]}\n", `helpdesk.yaml:5: API integration "crm" names desk "sales", which does not exist`},
		{"no desks", "api:\n  - {name: crm, token: 0123456789abcdefgh}\n", `helpdesk.yaml:5: API integration "crm" names no desks`},
		{"same token twice", "api:\n  - {name: crm, token: 0123456789abcdefgh, desks: [it]}\n  - {name: portal, token: 0123456789abcdefgh, desks: [hr]}\n",
			`helpdesk.yaml:6: API integration "portal" has the same token as "crm"`},
		{"duplicate name", "api:\n  - {name: crm, token: 0123456789abcdefgh, desks: [it]}\n  - {name: crm, token: 0123456789abcdefgX, desks: [hr]}\n",
			`helpdesk.yaml:6: duplicate API integration "crm" (first on line 5)`},
		{"unknown key", "api:\n  - {name: crm, token: 0123456789abcdefgh, desks: [it], desk: it}\n", `unknown key "desk" in integration (did you mean "desks"?)`},
		{"unset variable", "api:\n  - {name: crm, token: \"${NO_SUCH_TOKEN_VAR}\", desks: [it]}\n", "NO_SUCH_TOKEN_VAR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": desks + c.api})
			if len(ps) != 1 || !strings.Contains(ps[0], c.want) {
				t.Errorf("problems = %q, want one containing %q", ps, c.want)
			}
		})
	}
}
