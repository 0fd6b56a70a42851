// Package errs is the one coded error type that every layer of the help desk
// shares: the domain packages return it, the stores translate driver errors
// into it, and the edges (chat replies, HTTP handlers) map its code to what the
// user sees. It imports nothing of ours, so any package may use it.
package errs

import (
	"errors"
	"fmt"
)

// Error codes that callers branch on. The edge maps them to replies or HTTP codes.
const (
	ENOTFOUND  = "not_found"
	EINVALID   = "invalid"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
)

// Error is the one coded error type of the help desk.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Message returns the human message of a coded error, or a generic text.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
