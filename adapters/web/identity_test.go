package web_test

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// The address a person signed in with by a one-time link is the one the web
// chat vouches for: it links their web account (one requester across
// channels). A name that is no address links nothing.
func TestTheSignInAddressLinksTheAccount(t *testing.T) {
	srv := start(t)
	boss := signIn(t, srv, "Boss@Example.com", "Boss")
	boss.say(boss.dm(), "hello")
	id, err := srv.Store.IdentityOf(context.Background(), "web", "Boss@Example.com")
	if err != nil || id.Email != "boss@example.com" {
		t.Fatalf("the sign-in address is linked: %+v, %v", id, err)
	}
	sam := signIn(t, srv, "sam", "Sam")
	sam.say(sam.dm(), "hello")
	if _, err := srv.Store.IdentityOf(context.Background(), "web", "sam"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("no address, no link: %v", err)
	}
}
