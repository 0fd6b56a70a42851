package bot

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"gopkg.in/yaml.v2"
)

// msgID names one text the bot writes to an employee (also in a ticket's
// group chat, which the requester reads). Agent-facing texts (cards, agent
// commands, notes, SLA warnings) stay English and are not here.
type msgID string

const (
	mNoDesk          msgID = "no_desk"
	mWhichDesk       msgID = "which_desk"
	mDeskUnavailable msgID = "desk_unavailable"
	mOffline         msgID = "offline"
	mGreeting        msgID = "greeting"
	mGreetingAnon    msgID = "greeting_anon"
	mGreetingAsk     msgID = "greeting_ask"
	mAddedInService  msgID = "added_in_service"
	mAddedAssigned   msgID = "added_assigned"
	mAddedQueued     msgID = "added_queued"
	mDidYouMean      msgID = "did_you_mean"
	mNoneOfThese     msgID = "none_of_these"
	mDontKnow        msgID = "dont_know"
	mBrowseTopics    msgID = "browse_topics"
	mTalkToAgent     msgID = "talk_to_agent"
	mDidThisHelp     msgID = "did_this_help"
	mYes             msgID = "yes"
	mNo              msgID = "no"
	mAnswerGone      msgID = "answer_gone"
	mAnswerGoneAsk   msgID = "answer_gone_ask"
	mPickTopic       msgID = "pick_topic"
	mChooseTopic     msgID = "choose_topic"
	mCategoryPick    msgID = "category_pick"
	mBack            msgID = "back"
	mMoreOptions     msgID = "more_options"     // the next page of a long select
	mPrevOptions     msgID = "previous_options" // the page before
	mCardFailed      msgID = "card_failed"      // the assigned agent's card could not be posted
	mQuestionLabel   msgID = "question_label"   // the whole question on a ticket whose subject was shortened
	mGlad            msgID = "glad"
	mNotHelpful      msgID = "not_helpful"
	mNotFound        msgID = "not_found"
	mCancelled       msgID = "cancelled"
	mThanksFeedback  msgID = "thanks_feedback"
	mNoReopen        msgID = "no_reopen"
	mButtonInactive  msgID = "button_inactive"
	mAlreadyOpen     msgID = "already_open"
	mFillForm        msgID = "fill_form"
	mOpenFormAgain   msgID = "open_form_again"
	mCancel          msgID = "cancel"
	mFormIntro       msgID = "form_intro"
	mSend            msgID = "send"
	mOptional        msgID = "optional"
	mSkip            msgID = "skip"
	mDone            msgID = "done"
	mRequired        msgID = "required"
	mChooseOneOf     msgID = "choose_one_of"
	mTooLong         msgID = "too_long"
	mFormGone        msgID = "form_gone"
	mFormExpired     msgID = "form_expired"
	mHelpRequest     msgID = "help_request"
	mTicketOpened    msgID = "ticket_opened"
	mQueueClosed     msgID = "queue_closed"
	mQueueBusy       msgID = "queue_busy"
	mOpensAt         msgID = "opens_at"
	mWeekdays        msgID = "weekdays" // Sunday first, comma separated
	mMonths          msgID = "months"   // January first, comma separated
	mAssigned        msgID = "assigned"
	mChatOpened      msgID = "chat_opened"
	mRatePrompt      msgID = "rate_prompt"
	mReopenHint      msgID = "reopen_hint"
	mReopen          msgID = "reopen"
	mRated           msgID = "rated"
	mAnythingToAdd   msgID = "anything_to_add"
	mCommentHint     msgID = "comment_hint"
	mAddComment      msgID = "add_comment"
	mNoted           msgID = "noted"
	mYourFeedback    msgID = "your_feedback"
	mCommentLabel    msgID = "comment_label"
	mTypeComment     msgID = "type_comment"
	mReopened        msgID = "reopened"
	mReopenOffer     msgID = "reopen_offer"
	mNewQuestion     msgID = "new_question"
	mWelcome         msgID = "welcome"
	mRateFirst       msgID = "rate_first"
	mRefuseForbidden msgID = "refuse_forbidden"
	mRefuseConflict  msgID = "refuse_conflict"
	mRefuseNotFound  msgID = "refuse_not_found"
	mRefuseInvalid   msgID = "refuse_invalid"
	// In a ticket's group chat, in the ticket's language: the requester reads them.
	mChatTopic    msgID = "chat_topic" // the room's topic: ticket key, requester
	mChatWelcome  msgID = "chat_welcome"
	mEndService   msgID = "end_service"
	mResolvedBy   msgID = "resolved_by"
	mResolvedIdle msgID = "resolved_idle"
	mTakenOver    msgID = "taken_over"
	mTicketClosed msgID = "ticket_closed"
)

// catalog holds every employee-facing text per language, from the embedded
// catalog/<lang>.yaml files (parsed once, at start). It is read-only. Texts
// are fmt formats: a translation must use the same verbs for the same
// arguments as the English text (explicit indexes like %[2]s may reorder).
var catalog = mustLoadCatalog(catalogFiles)

//go:embed catalog/*.yaml
var catalogFiles embed.FS

// mustLoadCatalog reads one file per language. The files are compiled in,
// so a file that does not parse is a bug of the build: it panics.
func mustLoadCatalog(files fs.FS) map[string]map[msgID]string {
	names, err := fs.Glob(files, "catalog/*.yaml")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("bot: no message catalog (%v)", err))
	}
	out := map[string]map[msgID]string{}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			panic(fmt.Sprintf("bot: read %s: %v", name, err))
		}
		texts := map[msgID]string{}
		if err := yaml.Unmarshal(data, &texts); err != nil {
			panic(fmt.Sprintf("bot: parse %s: %v", name, err))
		}
		out[strings.TrimSuffix(path.Base(name), ".yaml")] = texts
	}
	return out
}

// translate formats a text in the first of langs the catalog has, else in
// English. Arguments are inserted as they are (names, keys, admin texts).
func translate(langs []string, id msgID, args ...any) string {
	format, ok := "", false
	for _, l := range langs {
		if format, ok = catalog[baseLang(l)][id]; ok {
			break
		}
	}
	if !ok {
		if format, ok = catalog["en"][id]; !ok {
			return string(id)
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// baseLang turns "de-DE" or "pt_BR" into "de" or "pt".
func baseLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	return l
}

// hasCatalog reports whether the bot's own texts exist in a language.
func hasCatalog(lang string) bool {
	_, ok := catalog[baseLang(lang)]
	return ok
}

// deskLangs is the lookup order for a text to a person in lang on a desk.
func deskLangs(lang string, d *config.Desk) []string {
	if d == nil {
		return []string{lang}
	}
	return []string{lang, d.DefaultLanguage()}
}

// t writes a text in the conversation's language (then the desk's default,
// then English).
func (c *conv) t(id msgID, args ...any) string {
	return translate(deskLangs(c.st.Lang, c.desk), id, args...)
}

// tFor writes a text to a ticket's requester outside their conversation,
// in the ticket's language (set when it was opened).
func tFor(t *tickets.Ticket, d *config.Desk, id msgID, args ...any) string {
	return translate(deskLangs(t.Language, d), id, args...)
}

// when writes a moment like "Mon 23 Nov 09:00" in the language.
func when(langs []string, at time.Time) string {
	days := strings.Split(translate(langs, mWeekdays), ",")
	months := strings.Split(translate(langs, mMonths), ",")
	day, month := at.Weekday().String(), at.Month().String()
	if len(days) == 7 {
		day = days[at.Weekday()]
	}
	if len(months) == 12 {
		month = months[at.Month()-1]
	}
	return translate(langs, mOpensAt, day, at.Day(), month, at.Format("15:04"))
}

// speaks returns the first of langs the catalog has, else English.
func speaks(langs []string) string {
	for _, l := range langs {
		if hasCatalog(l) {
			return baseLang(l)
		}
	}
	return "en"
}

// pickerLanguage is the language of texts shown before a desk is chosen:
// the platform locale if a desk speaks it, else the language of the text
// among the desks' languages, else the desks' common default, else English.
func (c *conv) pickerLanguage(ds []*config.Desk) string {
	var cands []string
	def := ""
	for i, d := range ds {
		for _, l := range d.Languages {
			if hasCatalog(l) && !slices.Contains(cands, l) {
				cands = append(cands, l)
			}
		}
		if i == 0 {
			def = d.DefaultLanguage()
		} else if def != d.DefaultLanguage() {
			def = ""
		}
	}
	if l := baseLang(c.ev.User.Locale); slices.Contains(cands, l) {
		return l
	}
	if len(cands) > 1 && !isGreeting(c.ev.Text) {
		return faq.DetectLanguage(c.ev.Text, cands)
	}
	return speaks([]string{def})
}

// offlineMessage is the desk's offline message; the default one (which the
// config fills in, in English) is written in the user's language.
func (c *conv) offlineMessage(d *config.Desk, text string) string {
	if d.OfflineMessage != translate([]string{"en"}, mOffline, d.Name) {
		return d.OfflineMessage
	}
	lang := c.st.Lang
	if lang == "" || c.st.Desk != d.ID {
		lang = c.e.language(d, c.ev.User.Locale, text)
	}
	return translate(deskLangs(lang, d), mOffline, d.Name)
}

// errNoRating refuses a reason or comment before a rating was given.
var errNoRating = errs.Errorf(errs.ECONFLICT, "Please pick a rating first.")

// refuse answers a refused action privately in the user's language. In
// English the ticket service's own message is shown (it has the details);
// other languages get a translated message for the kind of refusal.
func (c *conv) refuse(err error) error {
	if errors.Is(err, errNoRating) {
		return c.private(c.t(mRateFirst))
	}
	if speaks(deskLangs(c.st.Lang, c.desk)) == "en" {
		if !refusal(err) {
			return err
		}
		return c.private(errs.Message(err))
	}
	var id msgID
	switch errs.Code(err) {
	case errs.EFORBIDDEN:
		id = mRefuseForbidden
	case errs.ECONFLICT:
		id = mRefuseConflict
	case errs.ENOTFOUND:
		id = mRefuseNotFound
	case errs.EINVALID:
		id = mRefuseInvalid
	default:
		return err
	}
	return c.private(c.t(id))
}
