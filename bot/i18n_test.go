package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

const i18nConfig = "testdata/i18n.yaml"

// A German employee (platform locale de-DE) goes through the whole journey
// and the bot speaks German throughout, not only in its FAQ answers.
func TestGermanUserJourney(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl Beispiel")
	carl.Locale = "de-DE"
	ada := h.Person("ada", "Ada")

	carl.Say("hallo")
	mustSee(t, carl, "Hallo Carl, hier ist **IT Help Desk**.")
	mustSee(t, carl, "Stellen Sie mir eine Frage oder wählen Sie ein Thema:")
	mustSee(t, carl, "[Mit einem Mitarbeiter sprechen]")

	carl.Say("VPN verbindet nicht")
	last := carl.Last()
	if !strings.Contains(last.Text, "Öffnen Sie GlobalProtect") || !strings.HasSuffix(last.Text, "Hat das geholfen?") {
		t.Fatalf("want the German VPN answer with 'Hat das geholfen?', got %q", last.Text)
	}
	if len(last.Buttons) != 2 || last.Buttons[0].Label != "Ja" || last.Buttons[1].Label != "Nein" {
		t.Fatalf("want [Ja] [Nein], got %s", bottest.Render(last))
	}
	carl.Press("Nein")
	mustSee(t, carl, "Schade, dass das nicht geholfen hat.")
	carl.Press("Mit einem Mitarbeiter sprechen")
	mustSee(t, carl, "Bevor ich das an einen Mitarbeiter weitergebe, noch ein paar Fragen (**Access request**).")
	mustSee(t, carl, "**1/3** Which system?") // form labels are the admin's own text
	carl.Say("Oracle")
	mustSee(t, carl, "Bitte wählen Sie eines von: SAP, GitLab, VPN.")
	carl.Press("VPN")
	carl.Say("")
	mustSee(t, carl, "Diese Angabe ist erforderlich.")
	carl.Say("Es bricht jede Stunde ab")
	mustSee(t, carl, "**3/3** Phone number _(optional)_")
	carl.Press("Überspringen")
	mustSee(t, carl, "Ich habe das Ticket **IT-1** für Sie eröffnet: VPN verbindet nicht")
	mustSee(t, carl, "**Ada** hilft Ihnen bei **IT-1** und öffnet in Kürze einen Chat mit Ihnen.")
	if tk := h.Ticket("IT-1"); tk.Language != "de" || tk.Status != tickets.StatusAssigned {
		t.Fatalf("ticket language %q status %s, want de and assigned", tk.Language, tk.Status)
	}
	// The agent's card stays English.
	if card := h.Transcript(ada.DM(), "ada"); !strings.Contains(card, "[Start Chat]") {
		t.Fatalf("Ada's card should be English:\n%s", card)
	}

	carl.Say("Es ist wieder passiert")
	mustSee(t, carl, "Ich habe das zu **IT-1** hinzugefügt. Ada öffnet in Kürze einen Chat mit Ihnen.")
	ada.Press("Start Chat")
	mustSee(t, carl, "Ada hat wegen **IT-1** einen Chat mit Ihnen geöffnet.")
	// The group chat, which Carl reads too, speaks the ticket's language.
	group := carl.Group().ID
	welcome := "Ada hilft Carl Beispiel. Alles, was hier geschrieben wird, wird im Ticket festgehalten. Drücken Sie **Service beenden**, wenn das Problem gelöst ist."
	if chat := h.Transcript(group, "carl"); !strings.Contains(chat, welcome) || !strings.Contains(chat, "[Service beenden]") {
		t.Fatalf("the group chat should welcome Carl in German:\n%s", chat)
	}
	ada.PressIn(group, "Service beenden")
	if chat := h.Transcript(group, "carl"); !strings.Contains(chat, "**IT-1** wurde von Ada erledigt. Dieser Chat ist jetzt geschlossen.") {
		t.Fatalf("the group chat should close in German:\n%s", chat)
	}
	mustSee(t, carl, "**IT-1** ist erledigt. Wie bewerten Sie die Hilfe, die Sie bekommen haben?")
	mustSee(t, carl, "oder drücken Sie **Wieder öffnen**.")
	carl.Press("★★★★☆")
	mustSee(t, carl, "Danke! Möchten Sie noch etwas hinzufügen? Antworten Sie mit einem Kommentar oder drücken Sie Überspringen.")
	carl.Press("Fast")
	mustSee(t, carl, "oder drücken Sie Fertig.")
	carl.Press("Fertig")
	mustSee(t, carl, "Notiert: Fast.")
	mustSee(t, carl, "Danke für Ihr Feedback!")
	if tk := h.Ticket("IT-1"); tk.Evaluation == nil || tk.Evaluation.Rating != 4 {
		t.Fatalf("evaluation = %+v, want 4 stars", tk.Evaluation)
	}

	for _, english := range []string{"Did this help?", "Talk to an agent", "I've opened ticket", "will help you with",
		"How would you rate", "Thanks for your feedback", "Skip]", "Cancel]"} {
		mustNotSee(t, carl, english)
	}
	for _, english := range []string{"is here to help", "End Service", "was resolved by", "This chat is now closed"} {
		if chat := h.Transcript(group, "carl"); strings.Contains(chat, english) {
			t.Errorf("the group chat shows %q:\n%s", english, chat)
		}
	}
}

// A German employee whose first message is refused (a stale rating) is
// told so in German, and the offline desk says so in German too.
func TestGermanRefusalAndOffline(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Locale = "de"
	carl.Say("hallo")
	carl.PressValue(carl.DM(), "comment.skip", "")
	mustSee(t, carl, "Danke für Ihr Feedback!")
	carl.PressValue(carl.DM(), "reason", "999:0")
	mustSee(t, carl, "Dieses Ticket kann ich leider nicht mehr finden.")
	carl.PressValue(carl.DM(), "nonsense", "")
	mustSee(t, carl, "Diese Schaltfläche ist nicht mehr aktiv.")

	boss := h.Person("boss@example.com", "Boss")
	boss.Command("desk it offline")
	carl.Say("Wie setze ich mein Passwort zurück?")
	mustSee(t, carl, "IT Help Desk ist im Moment nicht erreichbar.")
	mustNotSee(t, carl, "is offline at the moment")
}

// A French employee without a platform locale is recognised from what they
// write; the queue notice after hours speaks French, dates included.
func TestFrenchUserDetectedFromText(t *testing.T) {
	// Saturday 2026-11-21 11:00 in Paris: closed until Monday 09:00.
	h := bottest.New(t, i18nConfig, bottest.WithStart(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)))
	zoe := h.Person("zoe", "Zoé Martin")
	zoe.Say("Comment est-ce que je peux réinitialiser mon mot de passe ?")
	last := zoe.Last()
	if !strings.Contains(last.Text, "Allez sur https://id.example.com/reset") || !strings.HasSuffix(last.Text, "Cela vous a-t-il aidé ?") {
		t.Fatalf("want the French answer with 'Cela vous a-t-il aidé ?', got %q", last.Text)
	}
	mustSee(t, zoe, "Bonjour Zoé, ici **Service Desk**.")
	zoe.Press("Non")
	zoe.Press("Parler à un agent")
	mustSee(t, zoe, "J'ai ouvert le ticket **SUP-1** pour vous")
	mustSee(t, zoe, "Service Desk est fermé pour le moment et rouvrira le lundi 23 novembre à 09:00 (Europe/Paris). Votre ticket est le numéro 1 dans la file d'attente.")
	if tk := h.Ticket("SUP-1"); tk.Language != "fr" {
		t.Fatalf("ticket language %q, want fr", tk.Language)
	}
	zoe.Say("Je n'ai toujours pas accès")
	mustSee(t, zoe, "J'ai ajouté cela à **SUP-1**. Il attend le prochain agent disponible.")

	// An English colleague on the same desk gets the same notice in English.
	sam := h.Person("sam", "Sam")
	sam.Say("zebra quantum marmalade")
	sam.Press("Talk to an agent")
	mustSee(t, sam, "The Service Desk is closed right now. It opens again Mon 23 Nov 09:00 (Europe/Paris); your ticket is number 2 in the queue.")
}

// Before a desk is chosen, the desk picker follows the platform locale
// when a desk speaks it; a desk that does not speaks its own language.
func TestDeskPickerInUsersLanguage(t *testing.T) {
	h := bottest.New(t, testConfig)
	ann := h.Person("ann", "Ann")
	ann.Locale = "de-AT"
	ann.Say("Wo finde ich meine Gehaltsabrechnung?")
	mustSee(t, ann, "Hallo! Welcher Helpdesk kann Ihnen helfen?")
	ann.Press("IT Help Desk")
	mustSee(t, ann, "Hallo Ann, hier ist **IT Help Desk**.")
	mustSee(t, ann, "Darauf weiß ich leider noch keine Antwort.")

	bob := h.Person("bob", "Bob")
	bob.Locale = "es-ES" // no desk speaks Spanish
	bob.Say("hola")
	mustSee(t, bob, "Hi! Which help desk can help you?")
	bob.Press("HR Desk")
	mustSee(t, bob, "Hi Bob, this is the **HR Desk**.")
}

// A German question from an English-language browser is answered in German,
// and the bot goes on in German (issue 12: the question's language wins when
// it is clearer than the locale's).
func TestQuestionLanguageWinsOverLocale(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl Beispiel")
	carl.Locale = "en-US"

	carl.Say("Wie verbinde ich mich mit dem VPN?")
	last := carl.Last()
	if !strings.Contains(last.Text, "Öffnen Sie GlobalProtect") || !strings.HasSuffix(last.Text, "Hat das geholfen?") {
		t.Fatalf("want the German VPN answer with 'Hat das geholfen?', got %q", last.Text)
	}
	carl.Press("Nein")
	mustSee(t, carl, "Schade, dass das nicht geholfen hat.")
}
