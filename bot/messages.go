package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// msgID names one text the bot writes to an employee. Agent-facing texts
// (cards, agent commands, notes, SLA warnings) stay English and are not here.
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
	mRateFirst       msgID = "rate_first"
	mRefuseForbidden msgID = "refuse_forbidden"
	mRefuseConflict  msgID = "refuse_conflict"
	mRefuseNotFound  msgID = "refuse_not_found"
	mRefuseInvalid   msgID = "refuse_invalid"
)

// catalog holds every employee-facing text per language. It is read-only.
// Texts are fmt formats: a translation must use the same verbs for the same
// arguments as the English text (explicit indexes like %[2]s may reorder).
var catalog = map[string]map[msgID]string{
	"en": {
		mNoDesk:          "Sorry, there is no help desk you can use here. Please ask your administrator for access.",
		mWhichDesk:       "Hi! Which help desk can help you?",
		mDeskUnavailable: "That help desk is not available to you.",
		mOffline:         "The %s is offline at the moment. Please try again later.",
		mGreeting:        "Hi %s, this is the **%s**.",
		mGreetingAnon:    "Hi there, this is the **%s**.",
		mGreetingAsk:     "Ask me a question, or pick a topic:",
		mAddedInService:  "I've added that to **%s**. %s is with you in the ticket's group chat: please continue there.",
		mAddedAssigned:   "I've added that to **%s**. %s will open a chat with you shortly.",
		mAddedQueued:     "I've added that to **%s**. It is waiting for the next free agent.",
		mDidYouMean:      "I'm not sure I understood. Did you mean:",
		mNoneOfThese:     "None of these",
		mDontKnow:        "Sorry, I don't know the answer to that yet. You can browse the topics or talk to an agent.",
		mBrowseTopics:    "Browse topics",
		mTalkToAgent:     "Talk to an agent",
		mDidThisHelp:     "Did this help?",
		mYes:             "Yes",
		mNo:              "No",
		mAnswerGone:      "That answer is no longer available.",
		mAnswerGoneAsk:   "That answer is no longer available. Please ask again.",
		mPickTopic:       "Pick a topic:",
		mChooseTopic:     "Choose a topic",
		mCategoryPick:    "**%s**: pick a question:",
		mBack:            "Back",
		mGlad:            "Glad I could help! Ask me anything else any time.",
		mNotHelpful:      "Sorry that didn't help. Would you like to talk to an agent?",
		mNotFound:        "Sorry I couldn't find it. An agent can help you with this.",
		mCancelled:       "Cancelled. Ask me anything else any time.",
		mThanksFeedback:  "Thanks for your feedback!",
		mNoReopen:        "%s can no longer be reopened. Please ask again and I'll open a new ticket.",
		mButtonInactive:  "That button is no longer active.",
		mAlreadyOpen:     "You already have an open ticket, **%s**. Anything you write here is added to it.",
		mFillForm:        "Please fill in the form **%s** so an agent can help you quickly.",
		mOpenFormAgain:   "Open the form again",
		mCancel:          "Cancel",
		mFormIntro:       "Before I hand this to an agent, a few questions (**%s**).",
		mSend:            "Send",
		mOptional:        "optional",
		mSkip:            "Skip",
		mRequired:        "This one is required.",
		mChooseOneOf:     "Please choose one of: %s.",
		mTooLong:         "That is too long: at most %d characters, please.",
		mFormGone:        "That form is no longer available. Please ask again.",
		mFormExpired:     "That form has expired. Please ask again.",
		mHelpRequest:     "Help request",
		mTicketOpened:    "I've opened ticket **%s** for you: %s",
		mQueueClosed:     "The %s is closed right now. It opens again %s (%s); your ticket is number %d in the queue.",
		mQueueBusy:       "All our agents are busy right now. Your ticket is number %d in the queue; you'll hear from us as soon as someone is free.",
		mOpensAt:         "%[1]s %[2]d %[3]s %[4]s",
		mWeekdays:        "Sun,Mon,Tue,Wed,Thu,Fri,Sat",
		mMonths:          "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
		mAssigned:        "**%s** will help you with **%s**. They'll open a chat with you shortly.",
		mChatOpened:      "%s has opened a chat with you about **%s**. Let's continue there.",
		mRatePrompt:      "**%s** is resolved. How would you rate the help you got?",
		mReopenHint:      "If the problem is not solved, reply here or press **%s**.",
		mReopen:          "Reopen",
		mRated:           "**%s** is resolved. You rated it %s.",
		mAnythingToAdd:   "Thanks! Anything you'd like to add?",
		mCommentHint:     "Reply with a comment, or press %s.",
		mAddComment:      "Add a comment",
		mNoted:           "Noted: %s.",
		mYourFeedback:    "Your feedback",
		mCommentLabel:    "Comment",
		mTypeComment:     "Please type your comment as a message.",
		mReopened:        "I've reopened **%s**.",
		mRateFirst:       "Please pick a rating first.",
		mRefuseForbidden: "Sorry, you can't do that on this ticket.",
		mRefuseConflict:  "That is no longer possible: the ticket has changed in the meantime.",
		mRefuseNotFound:  "Sorry, I can't find that ticket any more.",
		mRefuseInvalid:   "Sorry, that didn't work. Please try again.",
	},
	"de": {
		mNoDesk:          "Leider gibt es hier keinen Helpdesk, den Sie nutzen können. Bitte wenden Sie sich für den Zugang an Ihre Administration.",
		mWhichDesk:       "Hallo! Welcher Helpdesk kann Ihnen helfen?",
		mDeskUnavailable: "Dieser Helpdesk steht Ihnen nicht zur Verfügung.",
		mOffline:         "%s ist im Moment nicht erreichbar. Bitte versuchen Sie es später noch einmal.",
		mGreeting:        "Hallo %s, hier ist **%s**.",
		mGreetingAnon:    "Hallo, hier ist **%s**.",
		mGreetingAsk:     "Stellen Sie mir eine Frage oder wählen Sie ein Thema:",
		mAddedInService:  "Ich habe das zu **%s** hinzugefügt. %s ist im Gruppenchat des Tickets für Sie da: Bitte machen Sie dort weiter.",
		mAddedAssigned:   "Ich habe das zu **%s** hinzugefügt. %s öffnet in Kürze einen Chat mit Ihnen.",
		mAddedQueued:     "Ich habe das zu **%s** hinzugefügt. Es wartet auf den nächsten freien Mitarbeiter.",
		mDidYouMean:      "Ich bin nicht sicher, ob ich Sie richtig verstanden habe. Meinten Sie:",
		mNoneOfThese:     "Nichts davon",
		mDontKnow:        "Darauf weiß ich leider noch keine Antwort. Sie können die Themen durchsuchen oder mit einem Mitarbeiter sprechen.",
		mBrowseTopics:    "Themen durchsuchen",
		mTalkToAgent:     "Mit einem Mitarbeiter sprechen",
		mDidThisHelp:     "Hat das geholfen?",
		mYes:             "Ja",
		mNo:              "Nein",
		mAnswerGone:      "Diese Antwort ist nicht mehr verfügbar.",
		mAnswerGoneAsk:   "Diese Antwort ist nicht mehr verfügbar. Bitte fragen Sie noch einmal.",
		mPickTopic:       "Wählen Sie ein Thema:",
		mChooseTopic:     "Thema wählen",
		mCategoryPick:    "**%s**: Wählen Sie eine Frage:",
		mBack:            "Zurück",
		mGlad:            "Schön, dass ich helfen konnte! Fragen Sie mich jederzeit gern wieder.",
		mNotHelpful:      "Schade, dass das nicht geholfen hat. Möchten Sie mit einem Mitarbeiter sprechen?",
		mNotFound:        "Tut mir leid, das habe ich nicht gefunden. Ein Mitarbeiter kann Ihnen dabei helfen.",
		mCancelled:       "Abgebrochen. Fragen Sie mich jederzeit gern wieder.",
		mThanksFeedback:  "Danke für Ihr Feedback!",
		mNoReopen:        "%s kann nicht mehr wieder geöffnet werden. Bitte fragen Sie noch einmal, dann eröffne ich ein neues Ticket.",
		mButtonInactive:  "Diese Schaltfläche ist nicht mehr aktiv.",
		mAlreadyOpen:     "Sie haben bereits ein offenes Ticket, **%s**. Alles, was Sie hier schreiben, wird hinzugefügt.",
		mFillForm:        "Bitte füllen Sie das Formular **%s** aus, damit Ihnen ein Mitarbeiter schnell helfen kann.",
		mOpenFormAgain:   "Formular erneut öffnen",
		mCancel:          "Abbrechen",
		mFormIntro:       "Bevor ich das an einen Mitarbeiter weitergebe, noch ein paar Fragen (**%s**).",
		mSend:            "Senden",
		mOptional:        "optional",
		mSkip:            "Überspringen",
		mRequired:        "Diese Angabe ist erforderlich.",
		mChooseOneOf:     "Bitte wählen Sie eines von: %s.",
		mTooLong:         "Das ist zu lang: bitte höchstens %d Zeichen.",
		mFormGone:        "Dieses Formular ist nicht mehr verfügbar. Bitte fragen Sie noch einmal.",
		mFormExpired:     "Dieses Formular ist abgelaufen. Bitte fragen Sie noch einmal.",
		mHelpRequest:     "Hilfeanfrage",
		mTicketOpened:    "Ich habe das Ticket **%s** für Sie eröffnet: %s",
		mQueueClosed:     "%s ist gerade geschlossen und öffnet wieder am %s (%s). Ihr Ticket ist Nummer %d in der Warteschlange.",
		mQueueBusy:       "Alle Mitarbeiter sind gerade beschäftigt. Ihr Ticket ist Nummer %d in der Warteschlange; wir melden uns, sobald jemand frei ist.",
		mOpensAt:         "%[1]s, %[2]d. %[3]s, %[4]s Uhr",
		mWeekdays:        "Sonntag,Montag,Dienstag,Mittwoch,Donnerstag,Freitag,Samstag",
		mMonths:          "Januar,Februar,März,April,Mai,Juni,Juli,August,September,Oktober,November,Dezember",
		mAssigned:        "**%s** hilft Ihnen bei **%s** und öffnet in Kürze einen Chat mit Ihnen.",
		mChatOpened:      "%s hat wegen **%s** einen Chat mit Ihnen geöffnet. Machen wir dort weiter.",
		mRatePrompt:      "**%s** ist erledigt. Wie bewerten Sie die Hilfe, die Sie bekommen haben?",
		mReopenHint:      "Falls das Problem nicht gelöst ist, antworten Sie hier oder drücken Sie **%s**.",
		mReopen:          "Wieder öffnen",
		mRated:           "**%s** ist erledigt. Ihre Bewertung: %s.",
		mAnythingToAdd:   "Danke! Möchten Sie noch etwas hinzufügen?",
		mCommentHint:     "Antworten Sie mit einem Kommentar oder drücken Sie %s.",
		mAddComment:      "Kommentar hinzufügen",
		mNoted:           "Notiert: %s.",
		mYourFeedback:    "Ihr Feedback",
		mCommentLabel:    "Kommentar",
		mTypeComment:     "Bitte schreiben Sie Ihren Kommentar als Nachricht.",
		mReopened:        "Ich habe **%s** wieder geöffnet.",
		mRateFirst:       "Bitte wählen Sie zuerst eine Bewertung.",
		mRefuseForbidden: "Das können Sie bei diesem Ticket leider nicht tun.",
		mRefuseConflict:  "Das ist nicht mehr möglich: Das Ticket hat sich inzwischen geändert.",
		mRefuseNotFound:  "Dieses Ticket kann ich leider nicht mehr finden.",
		mRefuseInvalid:   "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.",
	},
	"fr": {
		mNoDesk:          "Désolé, il n'y a ici aucun support que vous puissiez utiliser. Demandez l'accès à votre administrateur.",
		mWhichDesk:       "Bonjour ! Quel support peut vous aider ?",
		mDeskUnavailable: "Ce support ne vous est pas accessible.",
		mOffline:         "%s est indisponible pour le moment. Veuillez réessayer plus tard.",
		mGreeting:        "Bonjour %s, ici **%s**.",
		mGreetingAnon:    "Bonjour, ici **%s**.",
		mGreetingAsk:     "Posez-moi une question ou choisissez un sujet :",
		mAddedInService:  "J'ai ajouté cela à **%s**. %s est avec vous dans le chat de groupe du ticket : continuez-y, s'il vous plaît.",
		mAddedAssigned:   "J'ai ajouté cela à **%s**. %s va ouvrir une discussion avec vous sous peu.",
		mAddedQueued:     "J'ai ajouté cela à **%s**. Il attend le prochain agent disponible.",
		mDidYouMean:      "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :",
		mNoneOfThese:     "Aucune de ces réponses",
		mDontKnow:        "Désolé, je ne connais pas encore la réponse. Vous pouvez parcourir les sujets ou parler à un agent.",
		mBrowseTopics:    "Parcourir les sujets",
		mTalkToAgent:     "Parler à un agent",
		mDidThisHelp:     "Cela vous a-t-il aidé ?",
		mYes:             "Oui",
		mNo:              "Non",
		mAnswerGone:      "Cette réponse n'est plus disponible.",
		mAnswerGoneAsk:   "Cette réponse n'est plus disponible. Veuillez reposer votre question.",
		mPickTopic:       "Choisissez un sujet :",
		mChooseTopic:     "Choisir un sujet",
		mCategoryPick:    "**%s** : choisissez une question :",
		mBack:            "Retour",
		mGlad:            "Ravi d'avoir pu vous aider ! N'hésitez pas à me poser d'autres questions.",
		mNotHelpful:      "Désolé que cela ne vous ait pas aidé. Voulez-vous parler à un agent ?",
		mNotFound:        "Désolé, je n'ai pas trouvé. Un agent peut vous aider.",
		mCancelled:       "Annulé. N'hésitez pas à me poser d'autres questions.",
		mThanksFeedback:  "Merci pour votre avis !",
		mNoReopen:        "%s ne peut plus être rouvert. Posez à nouveau votre question et j'ouvrirai un nouveau ticket.",
		mButtonInactive:  "Ce bouton n'est plus actif.",
		mAlreadyOpen:     "Vous avez déjà un ticket ouvert, **%s**. Tout ce que vous écrivez ici y est ajouté.",
		mFillForm:        "Veuillez remplir le formulaire **%s** pour qu'un agent puisse vous aider rapidement.",
		mOpenFormAgain:   "Rouvrir le formulaire",
		mCancel:          "Annuler",
		mFormIntro:       "Avant de transmettre votre demande à un agent, quelques questions (**%s**).",
		mSend:            "Envoyer",
		mOptional:        "facultatif",
		mSkip:            "Passer",
		mRequired:        "Cette réponse est obligatoire.",
		mChooseOneOf:     "Veuillez choisir parmi : %s.",
		mTooLong:         "C'est trop long : %d caractères au maximum, s'il vous plaît.",
		mFormGone:        "Ce formulaire n'est plus disponible. Veuillez reposer votre question.",
		mFormExpired:     "Ce formulaire a expiré. Veuillez reposer votre question.",
		mHelpRequest:     "Demande d'aide",
		mTicketOpened:    "J'ai ouvert le ticket **%s** pour vous : %s",
		mQueueClosed:     "%s est fermé pour le moment et rouvrira le %s (%s). Votre ticket est le numéro %d dans la file d'attente.",
		mQueueBusy:       "Tous nos agents sont occupés pour le moment. Votre ticket est le numéro %d dans la file d'attente ; nous reviendrons vers vous dès que quelqu'un sera disponible.",
		mOpensAt:         "%[1]s %[2]d %[3]s à %[4]s",
		mWeekdays:        "dimanche,lundi,mardi,mercredi,jeudi,vendredi,samedi",
		mMonths:          "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre",
		mAssigned:        "**%s** va vous aider pour **%s** et ouvrira une discussion avec vous sous peu.",
		mChatOpened:      "%s a ouvert une discussion avec vous au sujet de **%s**. Continuons là-bas.",
		mRatePrompt:      "**%s** est résolu. Comment évaluez-vous l'aide reçue ?",
		mReopenHint:      "Si le problème n'est pas résolu, répondez ici ou appuyez sur **%s**.",
		mReopen:          "Rouvrir",
		mRated:           "**%s** est résolu. Votre note : %s.",
		mAnythingToAdd:   "Merci ! Souhaitez-vous ajouter quelque chose ?",
		mCommentHint:     "Répondez avec un commentaire, ou appuyez sur %s.",
		mAddComment:      "Ajouter un commentaire",
		mNoted:           "C'est noté : %s.",
		mYourFeedback:    "Votre avis",
		mCommentLabel:    "Commentaire",
		mTypeComment:     "Veuillez écrire votre commentaire dans un message.",
		mReopened:        "J'ai rouvert **%s**.",
		mRateFirst:       "Veuillez d'abord choisir une note.",
		mRefuseForbidden: "Désolé, vous ne pouvez pas faire cela sur ce ticket.",
		mRefuseConflict:  "Ce n'est plus possible : le ticket a changé entre-temps.",
		mRefuseNotFound:  "Désolé, je ne trouve plus ce ticket.",
		mRefuseInvalid:   "Désolé, cela n'a pas fonctionné. Veuillez réessayer.",
	},
	"es": {
		mNoDesk:          "Lo siento, aquí no hay ningún servicio de ayuda que puedas usar. Pide acceso a tu administrador.",
		mWhichDesk:       "¡Hola! ¿Qué servicio de ayuda puede ayudarte?",
		mDeskUnavailable: "Ese servicio de ayuda no está disponible para ti.",
		mOffline:         "%s no está disponible en este momento. Vuelve a intentarlo más tarde.",
		mGreeting:        "Hola %s, te atiende **%s**.",
		mGreetingAnon:    "Hola, te atiende **%s**.",
		mGreetingAsk:     "Hazme una pregunta o elige un tema:",
		mAddedInService:  "Lo he añadido a **%s**. %s te atiende en el chat de grupo del ticket: continúa allí, por favor.",
		mAddedAssigned:   "Lo he añadido a **%s**. %s abrirá un chat contigo en breve.",
		mAddedQueued:     "Lo he añadido a **%s**. Está esperando al próximo agente libre.",
		mDidYouMean:      "No estoy seguro de haberte entendido. ¿Quisiste decir:",
		mNoneOfThese:     "Ninguna de estas",
		mDontKnow:        "Lo siento, todavía no sé la respuesta. Puedes explorar los temas o hablar con un agente.",
		mBrowseTopics:    "Explorar temas",
		mTalkToAgent:     "Hablar con un agente",
		mDidThisHelp:     "¿Te ha servido?",
		mYes:             "Sí",
		mNo:              "No",
		mAnswerGone:      "Esa respuesta ya no está disponible.",
		mAnswerGoneAsk:   "Esa respuesta ya no está disponible. Vuelve a preguntar, por favor.",
		mPickTopic:       "Elige un tema:",
		mChooseTopic:     "Elige un tema",
		mCategoryPick:    "**%s**: elige una pregunta:",
		mBack:            "Atrás",
		mGlad:            "¡Me alegro de haberte ayudado! Pregúntame lo que quieras cuando quieras.",
		mNotHelpful:      "Siento que no te haya servido. ¿Quieres hablar con un agente?",
		mNotFound:        "Lo siento, no lo he encontrado. Un agente puede ayudarte con esto.",
		mCancelled:       "Cancelado. Pregúntame lo que quieras cuando quieras.",
		mThanksFeedback:  "¡Gracias por tu opinión!",
		mNoReopen:        "%s ya no se puede reabrir. Vuelve a preguntar y abriré un ticket nuevo.",
		mButtonInactive:  "Ese botón ya no está activo.",
		mAlreadyOpen:     "Ya tienes un ticket abierto, **%s**. Todo lo que escribas aquí se añade a él.",
		mFillForm:        "Rellena el formulario **%s** para que un agente pueda ayudarte rápidamente.",
		mOpenFormAgain:   "Abrir el formulario de nuevo",
		mCancel:          "Cancelar",
		mFormIntro:       "Antes de pasar esto a un agente, unas preguntas (**%s**).",
		mSend:            "Enviar",
		mOptional:        "opcional",
		mSkip:            "Omitir",
		mRequired:        "Este dato es obligatorio.",
		mChooseOneOf:     "Elige una de estas opciones: %s.",
		mTooLong:         "Es demasiado largo: %d caracteres como máximo, por favor.",
		mFormGone:        "Ese formulario ya no está disponible. Vuelve a preguntar, por favor.",
		mFormExpired:     "Ese formulario ha caducado. Vuelve a preguntar, por favor.",
		mHelpRequest:     "Solicitud de ayuda",
		mTicketOpened:    "He abierto el ticket **%s** para ti: %s",
		mQueueClosed:     "%s está cerrado en este momento y vuelve a abrir %s (%s). Tu ticket es el número %d de la cola.",
		mQueueBusy:       "Todos nuestros agentes están ocupados ahora mismo. Tu ticket es el número %d de la cola; te contactaremos en cuanto alguien quede libre.",
		mOpensAt:         "el %[1]s %[2]d de %[3]s a las %[4]s",
		mWeekdays:        "domingo,lunes,martes,miércoles,jueves,viernes,sábado",
		mMonths:          "enero,febrero,marzo,abril,mayo,junio,julio,agosto,septiembre,octubre,noviembre,diciembre",
		mAssigned:        "**%s** te ayudará con **%s** y abrirá un chat contigo en breve.",
		mChatOpened:      "%s ha abierto un chat contigo sobre **%s**. Sigamos allí.",
		mRatePrompt:      "**%s** está resuelto. ¿Cómo valorarías la ayuda recibida?",
		mReopenHint:      "Si el problema no está resuelto, responde aquí o pulsa **%s**.",
		mReopen:          "Reabrir",
		mRated:           "**%s** está resuelto. Tu valoración: %s.",
		mAnythingToAdd:   "¡Gracias! ¿Quieres añadir algo?",
		mCommentHint:     "Responde con un comentario o pulsa %s.",
		mAddComment:      "Añadir un comentario",
		mNoted:           "Anotado: %s.",
		mYourFeedback:    "Tu opinión",
		mCommentLabel:    "Comentario",
		mTypeComment:     "Escribe tu comentario en un mensaje, por favor.",
		mReopened:        "He reabierto **%s**.",
		mRateFirst:       "Elige primero una valoración.",
		mRefuseForbidden: "Lo siento, no puedes hacer eso con este ticket.",
		mRefuseConflict:  "Eso ya no es posible: el ticket ha cambiado mientras tanto.",
		mRefuseNotFound:  "Lo siento, ya no encuentro ese ticket.",
		mRefuseInvalid:   "Lo siento, no ha funcionado. Inténtalo de nuevo.",
	},
	"it": {
		mNoDesk:          "Purtroppo qui non c'è nessun help desk che puoi usare. Chiedi l'accesso al tuo amministratore.",
		mWhichDesk:       "Ciao! Quale help desk può aiutarti?",
		mDeskUnavailable: "Questo help desk non è disponibile per te.",
		mOffline:         "%s al momento non è raggiungibile. Riprova più tardi.",
		mGreeting:        "Ciao %s, ti risponde **%s**.",
		mGreetingAnon:    "Ciao, ti risponde **%s**.",
		mGreetingAsk:     "Fammi una domanda o scegli un argomento:",
		mAddedInService:  "L'ho aggiunto a **%s**. %s ti aspetta nella chat di gruppo del ticket: continua lì.",
		mAddedAssigned:   "L'ho aggiunto a **%s**. %s aprirà a breve una chat con te.",
		mAddedQueued:     "L'ho aggiunto a **%s**. È in attesa del prossimo operatore libero.",
		mDidYouMean:      "Non sono sicuro di aver capito. Intendevi:",
		mNoneOfThese:     "Nessuna di queste",
		mDontKnow:        "Mi dispiace, non conosco ancora la risposta. Puoi sfogliare gli argomenti o parlare con un operatore.",
		mBrowseTopics:    "Sfoglia gli argomenti",
		mTalkToAgent:     "Parla con un operatore",
		mDidThisHelp:     "Ti è stato utile?",
		mYes:             "Sì",
		mNo:              "No",
		mAnswerGone:      "Questa risposta non è più disponibile.",
		mAnswerGoneAsk:   "Questa risposta non è più disponibile. Fai di nuovo la domanda.",
		mPickTopic:       "Scegli un argomento:",
		mChooseTopic:     "Scegli un argomento",
		mCategoryPick:    "**%s**: scegli una domanda:",
		mBack:            "Indietro",
		mGlad:            "Felice di esserti stato utile! Chiedimi pure qualsiasi altra cosa.",
		mNotHelpful:      "Mi dispiace che non sia stato utile. Vuoi parlare con un operatore?",
		mNotFound:        "Mi dispiace, non l'ho trovato. Un operatore può aiutarti.",
		mCancelled:       "Annullato. Chiedimi pure qualsiasi altra cosa.",
		mThanksFeedback:  "Grazie per il tuo feedback!",
		mNoReopen:        "%s non può più essere riaperto. Fai di nuovo la domanda e aprirò un nuovo ticket.",
		mButtonInactive:  "Questo pulsante non è più attivo.",
		mAlreadyOpen:     "Hai già un ticket aperto, **%s**. Tutto ciò che scrivi qui viene aggiunto.",
		mFillForm:        "Compila il modulo **%s** così un operatore potrà aiutarti rapidamente.",
		mOpenFormAgain:   "Apri di nuovo il modulo",
		mCancel:          "Annulla",
		mFormIntro:       "Prima di passare la richiesta a un operatore, qualche domanda (**%s**).",
		mSend:            "Invia",
		mOptional:        "facoltativo",
		mSkip:            "Salta",
		mRequired:        "Questo campo è obbligatorio.",
		mChooseOneOf:     "Scegli una di queste opzioni: %s.",
		mTooLong:         "È troppo lungo: al massimo %d caratteri, per favore.",
		mFormGone:        "Questo modulo non è più disponibile. Fai di nuovo la domanda.",
		mFormExpired:     "Questo modulo è scaduto. Fai di nuovo la domanda.",
		mHelpRequest:     "Richiesta di aiuto",
		mTicketOpened:    "Ho aperto il ticket **%s** per te: %s",
		mQueueClosed:     "%s al momento è chiuso e riapre %s (%s). Il tuo ticket è il numero %d in coda.",
		mQueueBusy:       "Tutti i nostri operatori sono occupati in questo momento. Il tuo ticket è il numero %d in coda; ti contatteremo appena qualcuno sarà libero.",
		mOpensAt:         "%[1]s %[2]d %[3]s alle %[4]s",
		mWeekdays:        "domenica,lunedì,martedì,mercoledì,giovedì,venerdì,sabato",
		mMonths:          "gennaio,febbraio,marzo,aprile,maggio,giugno,luglio,agosto,settembre,ottobre,novembre,dicembre",
		mAssigned:        "**%s** ti aiuterà con **%s** e aprirà a breve una chat con te.",
		mChatOpened:      "%s ha aperto una chat con te su **%s**. Continuiamo lì.",
		mRatePrompt:      "**%s** è risolto. Come valuti l'aiuto ricevuto?",
		mReopenHint:      "Se il problema non è risolto, rispondi qui o premi **%s**.",
		mReopen:          "Riapri",
		mRated:           "**%s** è risolto. La tua valutazione: %s.",
		mAnythingToAdd:   "Grazie! Vuoi aggiungere qualcosa?",
		mCommentHint:     "Rispondi con un commento oppure premi %s.",
		mAddComment:      "Aggiungi un commento",
		mNoted:           "Annotato: %s.",
		mYourFeedback:    "Il tuo feedback",
		mCommentLabel:    "Commento",
		mTypeComment:     "Scrivi il tuo commento in un messaggio.",
		mReopened:        "Ho riaperto **%s**.",
		mRateFirst:       "Scegli prima una valutazione.",
		mRefuseForbidden: "Mi dispiace, non puoi farlo su questo ticket.",
		mRefuseConflict:  "Non è più possibile: nel frattempo il ticket è cambiato.",
		mRefuseNotFound:  "Mi dispiace, non trovo più questo ticket.",
		mRefuseInvalid:   "Mi dispiace, non ha funzionato. Riprova.",
	},
	"nl": {
		mNoDesk:          "Sorry, er is hier geen helpdesk die je kunt gebruiken. Vraag je beheerder om toegang.",
		mWhichDesk:       "Hoi! Welke helpdesk kan je helpen?",
		mDeskUnavailable: "Die helpdesk is niet voor jou beschikbaar.",
		mOffline:         "%s is op dit moment niet bereikbaar. Probeer het later nog eens.",
		mGreeting:        "Hoi %s, je spreekt met **%s**.",
		mGreetingAnon:    "Hoi, je spreekt met **%s**.",
		mGreetingAsk:     "Stel me een vraag of kies een onderwerp:",
		mAddedInService:  "Ik heb dat toegevoegd aan **%s**. %s helpt je in de groepschat van het ticket: ga daar verder.",
		mAddedAssigned:   "Ik heb dat toegevoegd aan **%s**. %s opent zo een chat met je.",
		mAddedQueued:     "Ik heb dat toegevoegd aan **%s**. Het wacht op de eerstvolgende vrije medewerker.",
		mDidYouMean:      "Ik weet niet zeker of ik je begrijp. Bedoelde je:",
		mNoneOfThese:     "Geen van deze",
		mDontKnow:        "Sorry, daar weet ik nog geen antwoord op. Je kunt de onderwerpen bekijken of met een medewerker praten.",
		mBrowseTopics:    "Onderwerpen bekijken",
		mTalkToAgent:     "Met een medewerker praten",
		mDidThisHelp:     "Heeft dit geholpen?",
		mYes:             "Ja",
		mNo:              "Nee",
		mAnswerGone:      "Dat antwoord is niet meer beschikbaar.",
		mAnswerGoneAsk:   "Dat antwoord is niet meer beschikbaar. Stel je vraag opnieuw.",
		mPickTopic:       "Kies een onderwerp:",
		mChooseTopic:     "Kies een onderwerp",
		mCategoryPick:    "**%s**: kies een vraag:",
		mBack:            "Terug",
		mGlad:            "Fijn dat ik kon helpen! Vraag me gerust altijd iets anders.",
		mNotHelpful:      "Jammer dat dit niet hielp. Wil je met een medewerker praten?",
		mNotFound:        "Sorry, ik kon het niet vinden. Een medewerker kan je hiermee helpen.",
		mCancelled:       "Geannuleerd. Vraag me gerust altijd iets anders.",
		mThanksFeedback:  "Bedankt voor je feedback!",
		mNoReopen:        "%s kan niet meer heropend worden. Stel je vraag opnieuw, dan open ik een nieuw ticket.",
		mButtonInactive:  "Die knop is niet meer actief.",
		mAlreadyOpen:     "Je hebt al een open ticket, **%s**. Alles wat je hier schrijft, wordt eraan toegevoegd.",
		mFillForm:        "Vul het formulier **%s** in, zodat een medewerker je snel kan helpen.",
		mOpenFormAgain:   "Formulier opnieuw openen",
		mCancel:          "Annuleren",
		mFormIntro:       "Voordat ik dit aan een medewerker doorgeef, nog een paar vragen (**%s**).",
		mSend:            "Versturen",
		mOptional:        "optioneel",
		mSkip:            "Overslaan",
		mRequired:        "Dit is verplicht.",
		mChooseOneOf:     "Kies een van: %s.",
		mTooLong:         "Dat is te lang: maximaal %d tekens, alsjeblieft.",
		mFormGone:        "Dat formulier is niet meer beschikbaar. Stel je vraag opnieuw.",
		mFormExpired:     "Dat formulier is verlopen. Stel je vraag opnieuw.",
		mHelpRequest:     "Hulpvraag",
		mTicketOpened:    "Ik heb ticket **%s** voor je geopend: %s",
		mQueueClosed:     "%s is op dit moment gesloten en gaat weer open op %s (%s). Je ticket is nummer %d in de wachtrij.",
		mQueueBusy:       "Al onze medewerkers zijn op dit moment bezig. Je ticket is nummer %d in de wachtrij; je hoort van ons zodra iemand vrij is.",
		mOpensAt:         "%[1]s %[2]d %[3]s om %[4]s",
		mWeekdays:        "zondag,maandag,dinsdag,woensdag,donderdag,vrijdag,zaterdag",
		mMonths:          "januari,februari,maart,april,mei,juni,juli,augustus,september,oktober,november,december",
		mAssigned:        "**%s** helpt je met **%s** en opent zo een chat met je.",
		mChatOpened:      "%s heeft een chat met je geopend over **%s**. Laten we daar verdergaan.",
		mRatePrompt:      "**%s** is opgelost. Hoe beoordeel je de hulp die je kreeg?",
		mReopenHint:      "Is het probleem niet opgelost? Antwoord hier of druk op **%s**.",
		mReopen:          "Heropenen",
		mRated:           "**%s** is opgelost. Je beoordeling: %s.",
		mAnythingToAdd:   "Bedankt! Wil je nog iets toevoegen?",
		mCommentHint:     "Antwoord met een opmerking of druk op %s.",
		mAddComment:      "Opmerking toevoegen",
		mNoted:           "Genoteerd: %s.",
		mYourFeedback:    "Je feedback",
		mCommentLabel:    "Opmerking",
		mTypeComment:     "Typ je opmerking als bericht.",
		mReopened:        "Ik heb **%s** heropend.",
		mRateFirst:       "Kies eerst een beoordeling.",
		mRefuseForbidden: "Sorry, dat kun je bij dit ticket niet doen.",
		mRefuseConflict:  "Dat kan niet meer: het ticket is intussen gewijzigd.",
		mRefuseNotFound:  "Sorry, ik kan dat ticket niet meer vinden.",
		mRefuseInvalid:   "Sorry, dat lukte niet. Probeer het opnieuw.",
	},
	"pt": {
		mNoDesk:          "Desculpe, não há aqui nenhum suporte que você possa usar. Peça acesso ao seu administrador.",
		mWhichDesk:       "Olá! Qual suporte pode ajudar você?",
		mDeskUnavailable: "Esse suporte não está disponível para você.",
		mOffline:         "%s está indisponível no momento. Tente novamente mais tarde.",
		mGreeting:        "Olá %s, aqui é **%s**.",
		mGreetingAnon:    "Olá, aqui é **%s**.",
		mGreetingAsk:     "Faça uma pergunta ou escolha um tema:",
		mAddedInService:  "Adicionei isso a **%s**. %s está com você no chat em grupo do ticket: continue por lá.",
		mAddedAssigned:   "Adicionei isso a **%s**. %s vai abrir um chat com você em breve.",
		mAddedQueued:     "Adicionei isso a **%s**. Ele está aguardando o próximo atendente livre.",
		mDidYouMean:      "Não tenho certeza se entendi. Você quis dizer:",
		mNoneOfThese:     "Nenhuma destas",
		mDontKnow:        "Desculpe, ainda não sei a resposta. Você pode navegar pelos temas ou falar com um atendente.",
		mBrowseTopics:    "Navegar pelos temas",
		mTalkToAgent:     "Falar com um atendente",
		mDidThisHelp:     "Isso ajudou?",
		mYes:             "Sim",
		mNo:              "Não",
		mAnswerGone:      "Essa resposta não está mais disponível.",
		mAnswerGoneAsk:   "Essa resposta não está mais disponível. Pergunte novamente, por favor.",
		mPickTopic:       "Escolha um tema:",
		mChooseTopic:     "Escolha um tema",
		mCategoryPick:    "**%s**: escolha uma pergunta:",
		mBack:            "Voltar",
		mGlad:            "Que bom que pude ajudar! Pergunte o que quiser quando quiser.",
		mNotHelpful:      "Que pena que isso não ajudou. Quer falar com um atendente?",
		mNotFound:        "Desculpe, não encontrei. Um atendente pode ajudar você com isso.",
		mCancelled:       "Cancelado. Pergunte o que quiser quando quiser.",
		mThanksFeedback:  "Obrigado pela sua avaliação!",
		mNoReopen:        "%s não pode mais ser reaberto. Pergunte novamente e eu abro um novo ticket.",
		mButtonInactive:  "Esse botão não está mais ativo.",
		mAlreadyOpen:     "Você já tem um ticket aberto, **%s**. Tudo o que escrever aqui será adicionado a ele.",
		mFillForm:        "Preencha o formulário **%s** para que um atendente possa ajudar você rapidamente.",
		mOpenFormAgain:   "Abrir o formulário novamente",
		mCancel:          "Cancelar",
		mFormIntro:       "Antes de passar isso para um atendente, algumas perguntas (**%s**).",
		mSend:            "Enviar",
		mOptional:        "opcional",
		mSkip:            "Pular",
		mRequired:        "Esta resposta é obrigatória.",
		mChooseOneOf:     "Escolha uma destas opções: %s.",
		mTooLong:         "Está longo demais: no máximo %d caracteres, por favor.",
		mFormGone:        "Esse formulário não está mais disponível. Pergunte novamente, por favor.",
		mFormExpired:     "Esse formulário expirou. Pergunte novamente, por favor.",
		mHelpRequest:     "Pedido de ajuda",
		mTicketOpened:    "Abri o ticket **%s** para você: %s",
		mQueueClosed:     "%s está fechado no momento e reabre %s (%s). Seu ticket é o número %d na fila.",
		mQueueBusy:       "Todos os nossos atendentes estão ocupados agora. Seu ticket é o número %d na fila; entraremos em contato assim que alguém estiver livre.",
		mOpensAt:         "%[1]s, %[2]d de %[3]s, às %[4]s",
		mWeekdays:        "domingo,segunda-feira,terça-feira,quarta-feira,quinta-feira,sexta-feira,sábado",
		mMonths:          "janeiro,fevereiro,março,abril,maio,junho,julho,agosto,setembro,outubro,novembro,dezembro",
		mAssigned:        "**%s** vai ajudar você com **%s** e abrirá um chat com você em breve.",
		mChatOpened:      "%s abriu um chat com você sobre **%s**. Vamos continuar por lá.",
		mRatePrompt:      "**%s** foi resolvido. Como você avalia a ajuda que recebeu?",
		mReopenHint:      "Se o problema não foi resolvido, responda aqui ou toque em **%s**.",
		mReopen:          "Reabrir",
		mRated:           "**%s** foi resolvido. Sua avaliação: %s.",
		mAnythingToAdd:   "Obrigado! Quer acrescentar algo?",
		mCommentHint:     "Responda com um comentário ou toque em %s.",
		mAddComment:      "Adicionar um comentário",
		mNoted:           "Anotado: %s.",
		mYourFeedback:    "Sua avaliação",
		mCommentLabel:    "Comentário",
		mTypeComment:     "Escreva seu comentário em uma mensagem, por favor.",
		mReopened:        "Reabri **%s**.",
		mRateFirst:       "Escolha uma avaliação primeiro.",
		mRefuseForbidden: "Desculpe, você não pode fazer isso neste ticket.",
		mRefuseConflict:  "Isso não é mais possível: o ticket mudou nesse meio-tempo.",
		mRefuseNotFound:  "Desculpe, não encontro mais esse ticket.",
		mRefuseInvalid:   "Desculpe, não deu certo. Tente novamente.",
	},
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
func (c *conv) refuse(_ context.Context, err error) error {
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
