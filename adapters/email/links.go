package email

import (
	"html/template"
	"net/http"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// actionPath is where the links that stand for buttons lead.
const actionPath = "/email/action"

// Routes serves the links in mail: GET shows what the link does with a
// button, POST does it. Mail scanners open links to check them; only a
// person pressing the button acts.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+actionPath, a.actionPage)
	mux.HandleFunc("POST "+actionPath, a.action)
}

var actionTmpl = template.Must(template.New("a").Parse(`<!doctype html><html><head><meta charset="utf-8"><title>Help desk</title>
<meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif">
{{if .Err}}<p>{{.Err}}</p>{{else if .Done}}<p>Done: {{.Label}}. You can close this page; the answer comes by mail.</p>{{else}}
<form method="post"><input type="hidden" name="p" value="{{.P}}"><input type="hidden" name="s" value="{{.S}}">
<button style="font-size:1.2em;padding:8px 16px">{{.Label}}</button></form>{{end}}</body></html>`))

type actionView struct {
	P, S, Label, Err string
	Done             bool
}

func (a *Adapter) actionPage(w http.ResponseWriter, r *http.Request) {
	p, s := r.URL.Query().Get("p"), r.URL.Query().Get("s")
	l, err := a.readLink(p, s)
	v := actionView{P: p, S: s, Label: l.Label}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		v.Err = err.Error()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = actionTmpl.Execute(w, v)
}

func (a *Adapter) action(w http.ResponseWriter, r *http.Request) {
	p, s := r.FormValue("p"), r.FormValue("s")
	l, err := a.readLink(p, s)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = actionTmpl.Execute(w, actionView{Err: err.Error()})
		return
	}
	a.mu.Lock()
	handle, ctx := a.handle, a.hctx
	a.mu.Unlock()
	if handle == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = actionTmpl.Execute(w, actionView{Err: "The help desk is starting; try again in a minute."})
		return
	}
	ev := bot.Event{
		ID: "link:" + hashID(p), Platform: Name, Kind: bot.EventAction,
		User:   bot.User{ID: l.User, Name: l.User},
		Chat:   bot.Chat{ID: l.Chat, Kind: bot.ChatDirect},
		Action: bot.Action{ID: l.Action, Value: l.Value},
	}
	if err := handle(ctx, ev); err != nil {
		a.log.Error("link action", "action", l.Action, "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_ = actionTmpl.Execute(w, actionView{Err: "That did not work; try again."})
		return
	}
	_ = actionTmpl.Execute(w, actionView{Done: true, Label: l.Label})
}
