package email

// RawName is the checkpoint keeping the original of the mail with the Message-ID.
func RawName(messageID string) string { return "email:raw:" + hashID(messageID) }
