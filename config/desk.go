package config

import "fmt"

// Summary describes the config in one line, e.g. "2 desks, 37 FAQ items, 5 agents".
func (c *Config) Summary() string {
	items := 0
	agents := map[string]bool{}
	for _, d := range c.Desks {
		items += len(d.Items())
		for _, a := range d.Agents {
			agents[a.Name] = true // an agent of several desks counts once
		}
	}
	return fmt.Sprintf("%s, %s, %s", plural(len(c.Desks), "desk"), plural(items, "FAQ item"), plural(len(agents), "agent"))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Desk returns the desk with the id, or nil.
func (c *Config) Desk(id string) *Desk {
	for _, d := range c.Desks {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// Items lists all FAQ items of the desk in menu order: each category's items,
// then its sub-categories, depth first.
func (d *Desk) Items() []*Item {
	if d.FAQ == nil {
		return nil
	}
	return d.FAQ.Items()
}

// Items lists all items of the FAQ in menu order.
func (f *FAQ) Items() []*Item {
	var out []*Item
	var walk func([]*Category)
	walk = func(cs []*Category) {
		for _, c := range cs {
			out = append(out, c.Items...)
			walk(c.Children)
		}
	}
	walk(f.Menu)
	return out
}

// CategoryPath returns the categories from the top of the menu down to the
// category with the id, or nil if there is none.
func (f *FAQ) CategoryPath(id string) []*Category {
	var find func(cs []*Category, trail []*Category) []*Category
	find = func(cs []*Category, trail []*Category) []*Category {
		for _, c := range cs {
			t := append(trail[:len(trail):len(trail)], c)
			if c.ID == id {
				return t
			}
			if found := find(c.Children, t); found != nil {
				return found
			}
		}
		return nil
	}
	return find(f.Menu, nil)
}

// Category returns the category with the id, or nil.
func (f *FAQ) Category(id string) *Category {
	path := f.CategoryPath(id)
	if len(path) == 0 {
		return nil
	}
	return path[len(path)-1]
}

// FormFor returns the pre-inquiry form for a category: its own form, else the
// nearest parent category's, else the desk's default form, else nil.
func (d *Desk) FormFor(categoryID string) *Form {
	if d.FAQ != nil && categoryID != "" {
		path := d.FAQ.CategoryPath(categoryID)
		for i := len(path) - 1; i >= 0; i-- {
			if f := d.Forms[path[i].Form]; path[i].Form != "" && f != nil {
				return f
			}
		}
	}
	if d.DefaultForm != "" {
		return d.Forms[d.DefaultForm]
	}
	return nil
}

// Available reports whether the user may use the desk. Group membership is
// not known here; callers that resolve groups check AvailableTo.People.Groups.
func (d *Desk) Available(platform, user string) bool {
	return d.AvailableTo.Everyone || (user != "" && d.AvailableTo.People.Has(platform, user))
}

// IsAdmin reports whether the user administers the desk: a desk admin, a
// global admin, or an agent of the desk with admin: true.
func (d *Desk) IsAdmin(platform, user string, global People) bool {
	if user == "" {
		return false
	}
	if d.Admins.Has(platform, user) || global.Has(platform, user) {
		return true
	}
	a := d.Agent(platform, user)
	return a != nil && a.Admin
}
