package mattermost

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Who pressed a button is only known from Mattermost's trigger_id: the
// server signs "clientTriggerId:userId:millis:" with its asymmetric signing
// key (ECDSA P-256 over SHA-256, model.GenerateTriggerId) and publishes the
// public key as AsymmetricSigningPublicKey in /api/v4/config/client
// (channels/app/platform/config.go). The user id and channel of an action
// request are otherwise whatever the sender wrote, so a captured context
// could be sent "as" an agent.
const (
	// triggerMaxAge bounds how old a trigger may be when it reaches us:
	// the server makes it just before it posts the click. The margin
	// allows for clock skew between the two machines.
	triggerMaxAge = 5 * time.Minute
	// ActionMaxAge is how long the buttons of a post stay valid. Posts the
	// bot updates (ticket cards) get new ones each time.
	ActionMaxAge = 30 * 24 * time.Hour
)

// errTrigger is why a trigger id is refused.
var errTrigger = errors.New("trigger_id does not verify")

// loadSigningKey reads the server's public signing key.
func (a *Adapter) loadSigningKey(ctx context.Context) error {
	cfg, _, err := a.api.GetClientConfig(ctx, "")
	if err != nil {
		return a.wrap("read the client config (for AsymmetricSigningPublicKey)", err)
	}
	key, err := parseSigningKey(cfg["AsymmetricSigningPublicKey"])
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.signKey = key
	a.mu.Unlock()
	return nil
}

func parseSigningKey(b64 string) (*ecdsa.PublicKey, error) {
	if b64 == "" {
		return nil, errors.New("mattermost: the server publishes no AsymmetricSigningPublicKey, so button clicks cannot be verified")
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("mattermost: AsymmetricSigningPublicKey: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("mattermost: AsymmetricSigningPublicKey: %w", err)
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("mattermost: AsymmetricSigningPublicKey is a %T, not an ECDSA key", pub)
	}
	return key, nil
}

// verifyTrigger checks a trigger id's signature and age and returns the
// user it was made for (model.DecodeAndVerifyTriggerId, with the public
// key only).
func (a *Adapter) verifyTrigger(trigger string) (string, error) {
	a.mu.Lock()
	key := a.signKey
	a.mu.Unlock()
	if key == nil {
		return "", fmt.Errorf("%w: the server's signing key is not known", errTrigger)
	}
	raw, err := base64.StdEncoding.DecodeString(trigger)
	if err != nil {
		return "", fmt.Errorf("%w: not base64", errTrigger)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 4 {
		return "", fmt.Errorf("%w: %d parts", errTrigger, len(parts))
	}
	sig, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		return "", fmt.Errorf("%w: signature not base64", errTrigger)
	}
	var es struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &es); err != nil || len(rest) > 0 || es.R == nil || es.S == nil {
		return "", fmt.Errorf("%w: signature not ASN.1", errTrigger)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts[:3], ":") + ":"))
	if !ecdsa.Verify(key, sum[:], es.R, es.S) {
		return "", fmt.Errorf("%w: bad signature", errTrigger)
	}
	ms, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: bad time", errTrigger)
	}
	if age := a.opts.Now().Sub(time.UnixMilli(ms)); age > triggerMaxAge || age < -triggerMaxAge {
		return "", fmt.Errorf("%w: made %s ago", errTrigger, age.Round(time.Second))
	}
	return parts[1], nil
}
