package bot

import (
	"strconv"
	"strings"
)

// selectLimit is the number of options the platform's selects show, 0 for
// any number.
func (e *Engine) selectLimit(platform string) int {
	p, err := e.platform(platform)
	if err != nil {
		return 0
	}
	if l, ok := p.(SelectLimiter); ok {
		return l.MaxSelectOptions()
	}
	return 0
}

// pageOf returns page of opts as the platform's select can show it: all of
// them when they fit, else limit-2 entries with an entry to the page before
// and one to the next, whose values turn makes from a page number. Nothing
// is left out: every option is on some page.
func (c *conv) pageOf(opts []Option, page int, turn func(page int) string) []Option {
	limit := c.e.selectLimit(c.ev.Platform)
	if limit < 3 || len(opts) <= limit {
		return opts
	}
	per := limit - 2
	pages := (len(opts) + per - 1) / per
	page = min(max(page, 0), pages-1)
	lo, hi := page*per, min(len(opts), (page+1)*per)
	var out []Option
	if page > 0 {
		out = append(out, Option{Label: c.t(mPrevOptions, lo-per+1, lo), Value: turn(page - 1)})
	}
	out = append(out, opts[lo:hi]...)
	if hi < len(opts) {
		out = append(out, Option{Label: c.t(mMoreOptions, hi+1, min(len(opts), hi+per), len(opts)), Value: turn(page + 1)})
	}
	return out
}

// menuPage is the value of a menu entry that turns to page of category's menu.
func menuPage(category string, page int) string {
	return "page:" + strconv.Itoa(page) + ":" + category
}

// parseMenuPage reads a menuPage value.
func parseMenuPage(v string) (category string, page int, ok bool) {
	rest, ok := strings.CutPrefix(v, "page:")
	if !ok {
		return "", 0, false
	}
	n, category, _ := strings.Cut(rest, ":")
	page, err := strconv.Atoi(n)
	return category, page, err == nil
}

// fieldPagePrefix starts the value of a form select entry that turns the
// page; a real option with such a value is still taken as the option.
const fieldPagePrefix = "#page:"

func fieldPage(page int) string { return fieldPagePrefix + strconv.Itoa(page) }
