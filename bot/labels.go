package bot

import "strings"

// uiPrefix starts the catalog keys of the web chat's own labels.
const uiPrefix = "ui_"

// Labels returns the web chat's own labels (buttons, placeholders, headings)
// in lang, the first of the languages the catalog has (English otherwise),
// keyed without the "ui_" prefix, and the language used. Every label exists:
// one a translation lacks is the English one.
func Labels(lang string) (string, map[string]string) {
	use := baseLang(lang)
	if !hasCatalog(use) {
		use = "en"
	}
	out := map[string]string{}
	for id, text := range catalog["en"] {
		if k, ok := strings.CutPrefix(string(id), uiPrefix); ok {
			out[k] = text
			if tr, ok := catalog[use][id]; ok {
				out[k] = tr
			}
		}
	}
	return use, out
}
