package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// maxPrivateMetadata is Slack's limit on a view's private_metadata.
const maxPrivateMetadata = 3000

// formMeta is carried in a modal's private_metadata: where its submission
// should be answered, and what the form's fields accept, so an invalid
// submission is answered with errors in the modal. It is signed: a
// submission whose metadata does not verify is neither validated nor
// trusted for its chat.
type formMeta struct {
	Chat   string       `json:"c,omitempty"`
	Kind   bot.ChatKind `json:"k,omitempty"`
	Fields []metaField  `json:"f,omitempty"`
	Sig    string       `json:"s,omitempty"`
}

// metaField is what a submitted field is checked against.
type metaField struct {
	ID       string `json:"i"`
	Required bool   `json:"r,omitempty"`
	MaxLen   int    `json:"m,omitempty"`
	// Options holds digests of the values a select offered; nil when the
	// field is no select, or when the list did not fit in private_metadata
	// (the engine still checks the value).
	Options []string `json:"o,omitempty"`
}

// metadataKey derives the key that signs private_metadata from the bot
// token: stable across restarts, secret, and never sent anywhere.
func metadataKey(botToken string) []byte {
	m := hmac.New(sha256.New, []byte(botToken))
	m.Write([]byte("helpdesk/slack/private_metadata/v1"))
	return m.Sum(nil)
}

// optionDigest is a short digest of a select value (48 bits: a collision
// among a form's options is not a practical concern).
func optionDigest(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:6])
}

// sign computes the signature of meta (without its Sig) for a form id.
func (a *Adapter) sign(formID string, meta formMeta) string {
	meta.Sig = ""
	b, _ := json.Marshal(meta)
	m := hmac.New(sha256.New, a.metaKey)
	m.Write([]byte(formID))
	m.Write([]byte{0})
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// sealMeta renders the signed private_metadata of a form opened in chat.
// Select option lists are dropped (largest first) while the metadata would
// exceed Slack's limit; those fields are then left to the engine's checks.
func (a *Adapter) sealMeta(f bot.Form, chat bot.Chat) string {
	meta := formMeta{Chat: kit.ChatRef{Chat: chat.ID, Thread: chat.Thread}.String(), Kind: chat.Kind}
	for _, fl := range f.Fields {
		mf := metaField{ID: fl.ID, Required: fl.Required, MaxLen: fl.MaxLen}
		if fl.Type == bot.FieldSelect {
			for _, o := range selectOptions(fl) {
				mf.Options = append(mf.Options, optionDigest(o.Value))
			}
		}
		meta.Fields = append(meta.Fields, mf)
	}
	for {
		meta.Sig = a.sign(f.ID, meta)
		b, _ := json.Marshal(meta)
		if len(b) <= maxPrivateMetadata {
			return string(b)
		}
		big := -1
		for i, mf := range meta.Fields {
			if len(mf.Options) > 0 && (big < 0 || len(mf.Options) > len(meta.Fields[big].Options)) {
				big = i
			}
		}
		if big < 0 {
			// Even without option lists it does not fit: keep where to
			// answer, and let the engine check the values.
			meta.Fields = nil
			meta.Sig = a.sign(f.ID, meta)
			b, _ = json.Marshal(meta)
			return string(b)
		}
		meta.Fields[big].Options = nil
	}
}

// openMeta decodes and verifies a submitted view's private_metadata. ok is
// false when it is missing, unreadable or its signature does not match.
func (a *Adapter) openMeta(formID, raw string) (meta formMeta, ok bool) {
	if raw == "" || json.Unmarshal([]byte(raw), &meta) != nil || meta.Sig == "" {
		return formMeta{}, false
	}
	if !hmac.Equal([]byte(meta.Sig), []byte(a.sign(formID, meta))) {
		return formMeta{}, false
	}
	return meta, true
}

// submittedValues flattens a view's state to field id → value (the block
// and action ids of an input are the field id).
func submittedValues(in *interaction) map[string]string {
	values := map[string]string{}
	for _, block := range in.View.State.Values {
		for id, v := range block {
			val := v.Value
			if v.SelectedOption != nil {
				val = v.SelectedOption.Value
			}
			values[id] = val // input values are plain text, not mrkdwn
		}
	}
	return values
}

// checkSubmission validates a view_submission against the form its modal
// was opened with. It returns the errors per block id (nil when the
// submission is valid or cannot be checked) and the verified metadata.
func (a *Adapter) checkSubmission(in *interaction) (map[string]string, formMeta, bool) {
	meta, ok := a.openMeta(in.View.CallbackID, in.View.PrivateMetadata)
	if !ok {
		return nil, formMeta{}, false
	}
	values := submittedValues(in)
	errs := map[string]string{}
	for _, mf := range meta.Fields {
		raw := values[mf.ID]
		v := strings.TrimSpace(raw)
		switch {
		case v == "":
			if mf.Required {
				errs[mf.ID] = "This field is required."
			}
		case mf.Options != nil:
			if !slices.Contains(mf.Options, optionDigest(raw)) {
				errs[mf.ID] = "Please choose one of the options."
			}
		case mf.MaxLen > 0 && utf8.RuneCountInString(v) > mf.MaxLen:
			errs[mf.ID] = fmt.Sprintf("That is too long: at most %d characters, please (this has %d).", mf.MaxLen, utf8.RuneCountInString(v))
		}
	}
	if len(errs) == 0 {
		return nil, meta, true
	}
	return errs, meta, true
}

// submissionResponse is the answer to an interactive payload that must go
// back in Slack's acknowledgement: response_action errors for an invalid
// view_submission, so the modal stays open with the messages under the
// fields. It returns nil for everything else.
func (a *Adapter) submissionResponse(raw []byte) *slack.ViewSubmissionResponse {
	var in interaction
	if json.Unmarshal(raw, &in) != nil || in.Type != "view_submission" {
		return nil
	}
	errs, _, _ := a.checkSubmission(&in)
	if errs == nil {
		return nil
	}
	return slack.NewErrorsViewSubmissionResponse(errs)
}
