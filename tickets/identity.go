package tickets

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// EmailPlatform is the email channel's platform name: its user ids are
// addresses (lower case).
const EmailPlatform = "email"

// Identity links a platform account to the email address its platform
// verified: Slack's profile email (only given with the users:read.email
// scope), a Mattermost address the server marks verified, the address a web
// sign-in link was sent to. The accounts linked to one address are one
// person, the requester of their tickets on every channel. The From of an
// incoming mail is no proof and is never stored as an Identity: a mail from
// an address is matched to the accounts linked to it (see Accounts).
type Identity struct {
	Platform string    `json:"platform"`
	UserID   string    `json:"user_id"`
	Name     string    `json:"name,omitempty"`
	Email    string    `json:"email"` // NormalizeEmail'd
	At       time.Time `json:"at"`    // when the platform last said so
}

// IdentityReader reads the links between accounts and verified addresses.
type IdentityReader interface {
	// IdentityOf returns the account's link (errs.ENOTFOUND if it has none).
	IdentityOf(ctx context.Context, platform, userID string) (Identity, error)
	// IdentitiesByEmail returns the accounts linked to the address (which is
	// normalized first), by platform and user id; none is no error.
	IdentitiesByEmail(ctx context.Context, email string) ([]Identity, error)
}

// IdentityStore keeps the links. Every Store implements it.
type IdentityStore interface {
	IdentityReader
	// LinkIdentity records that id.Platform verified id.Email for the
	// account, replacing the address it had; an empty Email removes the
	// account's link (the platform no longer vouches for one).
	// errs.EINVALID for an address that is not one.
	LinkIdentity(ctx context.Context, id Identity) error
}

// NormalizeEmail trims an address and puts it in lower case; "" if it does
// not look like an address (one @, something on each side, no blanks).
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "<>")))
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\r\n<>,;") || strings.Contains(domain, "@") {
		return ""
	}
	return s
}

// CheckIdentity normalizes id's address: errs.EINVALID if it is set but is
// no address.
func CheckIdentity(id *Identity) error {
	if id.Platform == "" || id.UserID == "" {
		return errs.Errorf(errs.EINVALID, "an identity needs a platform and a user id")
	}
	if id.Email == "" {
		return nil
	}
	e := NormalizeEmail(id.Email)
	if e == "" {
		return errs.Errorf(errs.EINVALID, "%q is not an email address", id.Email)
	}
	id.Email = e
	return nil
}

// Accounts returns every account of the person behind p, p first: on a
// chat platform, the accounts linked to the address p's platform verified
// and that address on the email channel; on the email channel (p.ID is the
// sender's address), the accounts whose platforms verified that address.
// Without a link it is p alone. ids nil is no links.
func Accounts(ctx context.Context, ids IdentityReader, p Person) ([]Person, error) {
	out := []Person{p}
	if ids == nil || p.ID == "" {
		return out, nil
	}
	email := ""
	if p.Platform == EmailPlatform {
		email = NormalizeEmail(p.ID)
	} else {
		id, err := ids.IdentityOf(ctx, p.Platform, p.ID)
		if errs.Code(err) == errs.ENOTFOUND {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		email = id.Email
		out = append(out, Person{Platform: EmailPlatform, ID: email, Name: p.Name})
	}
	if email == "" {
		return out, nil
	}
	linked, err := ids.IdentitiesByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	for _, l := range linked {
		q := Person{Platform: l.Platform, ID: l.UserID, Name: l.Name}
		if !slices.ContainsFunc(out, func(o Person) bool { return o.Platform == q.Platform && o.ID == q.ID }) {
			out = append(out, q)
		}
	}
	return out, nil
}

// AccountOn returns the person's account on platform among accounts (from
// Accounts), and whether there is one.
func AccountOn(accounts []Person, platform string) (Person, bool) {
	for _, a := range accounts {
		if a.Platform == platform {
			return a, true
		}
	}
	return Person{}, false
}

// Channel is a way to reach a ticket's requester, for the reply box of the
// Ticket Center: Via names it (the engine's ReplyVia), Label says it.
type Channel struct {
	Via   string `json:"via"`
	Label string `json:"label"`
}
