package main

import (
	"fmt"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/config"
)

// menuLabelMax is what the engine shows of a topic or question in a menu
// (bot.menuPage shortens to it on every platform).
const menuLabelMax = 75

// platformLimit is one platform's limits that a config value can meet.
// Counts are characters unless bytes says otherwise.
type platformLimit struct {
	name         string
	selectShows  int  // options one select shows; beyond, the bot pages (0: any)
	groupsOf     int  // options per option group, when a select shows more as groups (Slack)
	optionLabel  int  // characters of an option shown
	formTitle    int  // form (modal, dialog) title
	fieldLabel   int  // form field label
	bytes        bool // formTitle and fieldLabel count bytes (Mattermost)
	textMax      int  // longest answer a one-line text field takes (0: as configured)
	paragraphMax int  // longest answer a paragraph field takes
	stepCounter  bool // the title carries " (1/3)" when the form takes several steps
}

// The platforms' documented limits; the adapters' fakes enforce the same
// (see their comments for the documentation of each).
var platformLimits = []platformLimit{
	{name: "slack", selectShows: 100, groupsOf: 100, optionLabel: 75, formTitle: 24, fieldLabel: 2000, textMax: 3000, paragraphMax: 3000},
	{name: "discord", selectShows: 25, optionLabel: 100, formTitle: 45, fieldLabel: 45, textMax: 4000, paragraphMax: 4000, stepCounter: true},
	{name: "mattermost", optionLabel: 100, formTitle: 24, fieldLabel: 24, bytes: true, textMax: 150, paragraphMax: 3000},
}

func (p *platformLimit) enabled(cfg *config.Config) bool {
	switch p.name {
	case "slack":
		return cfg.Platforms.Slack != nil
	case "discord":
		return cfg.Platforms.Discord != nil
	case "mattermost":
		return cfg.Platforms.Mattermost != nil
	}
	return false
}

func (p *platformLimit) length(s string) int {
	if p.bytes {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

func (p *platformLimit) unit() string {
	if p.bytes {
		return "bytes"
	}
	return "characters"
}

// limitWarnings says, per enabled platform, which config values a platform
// limit will cut or page: menus and selects longer than a select shows,
// labels and titles longer than the platform shows, text fields that take
// more than the platform's input does. Long FAQ answers are not listed:
// they are split into several messages, whole.
func limitWarnings(cfg *config.Config) []string {
	var out []string
	for i := range platformLimits {
		p := &platformLimits[i]
		if !p.enabled(cfg) {
			continue
		}
		warn := func(desk, format string, args ...any) {
			out = append(out, fmt.Sprintf("warning: %s: desk %s: %s", p.name, desk, fmt.Sprintf(format, args...)))
		}
		pages := func(n int) string {
			switch {
			case p.groupsOf > 0 && n <= p.selectShows*p.groupsOf:
				return fmt.Sprintf("shown in option groups of %d", p.groupsOf)
			case p.groupsOf > 0:
				return fmt.Sprintf("paged with More…, %d a page in option groups", p.selectShows*p.groupsOf-2)
			}
			return fmt.Sprintf("paged with More…, %d a page", p.selectShows-2)
		}
		for _, d := range cfg.Desks {
			if d.FAQ != nil {
				var walk func(where string, cats []*config.Category, items []*config.Item)
				walk = func(where string, cats []*config.Category, items []*config.Item) {
					if n := len(cats) + len(items); p.selectShows > 0 && n > p.selectShows {
						warn(d.ID, "menu %s has %d entries; a select shows %d: %s", where, n, p.selectShows, pages(n))
					}
					for _, c := range cats {
						if l := utf8.RuneCountInString(c.Title); l > menuLabelMax {
							warn(d.ID, "topic %q is %d characters; menus show %d (shortened with …)", c.ID, l, menuLabelMax)
						}
						walk("of topic "+c.ID, c.Children, c.Items)
					}
					for _, it := range items {
						if l := utf8.RuneCountInString(it.Question); l > menuLabelMax {
							warn(d.ID, "question %q is %d characters; menus show %d (shortened with …)", it.ID, l, menuLabelMax)
						}
					}
				}
				walk("at the top", d.FAQ.Menu, nil)
			}
			for name, f := range d.Forms {
				title := f.Title
				limit := p.formTitle
				if p.stepCounter && len(f.Fields) > 5 {
					limit -= len(" (1/3)")
				}
				if l := p.length(title); l > limit {
					warn(d.ID, "form %s: title %q is %d %s; the platform shows %d (shortened with …)", name, title, l, p.unit(), limit)
				}
				for _, fl := range f.Fields {
					if l := p.length(fl.Label); l > p.fieldLabel {
						warn(d.ID, "form %s: field %s: label is %d %s; the platform shows %d (shortened with …%s)", name, fl.ID, l, p.unit(), p.fieldLabel,
							map[bool]string{true: ", the whole label as help text", false: ""}[p.name == "mattermost"])
					}
					switch fl.Type {
					case "select":
						if n := len(fl.Options); p.selectShows > 0 && n > p.selectShows {
							warn(d.ID, "form %s: field %s has %d options; a select shows %d: %s", name, fl.ID, n, p.selectShows, pages(n))
						}
						for _, o := range fl.Options {
							if l := utf8.RuneCountInString(o); l > p.optionLabel {
								warn(d.ID, "form %s: field %s: option %q is %d characters; the platform shows %d (shortened with …)", name, fl.ID, o, l, p.optionLabel)
							}
						}
					case "paragraph":
						if fl.MaxLen > p.paragraphMax {
							warn(d.ID, "form %s: field %s: max_length %d; the platform's input takes %d", name, fl.ID, fl.MaxLen, p.paragraphMax)
						}
					default:
						if fl.MaxLen > p.textMax {
							warn(d.ID, "form %s: field %s: max_length %d; the platform's one-line input takes %d (use type: paragraph)", name, fl.ID, fl.MaxLen, p.textMax)
						}
					}
				}
			}
		}
	}
	return out
}
