// Package jsontext is the small runtime of the reflection-free JSON code that
// api/internal/jsongen generates for the api types (zz_generated.json.go):
// an encoder of JSON strings and numbers that writes exactly what
// encoding/json writes, and a Decoder, a pull tokenizer over a complete
// input held in memory. The Decoder stores the strings it returns for one
// input together in a few allocations of at most 1 KiB (see
// Decoder.Copy), which is most of what decoding an object saves over
// encoding/json in allocations. The client uses the same Decoder to walk
// list responses and watch frames and to hand their objects to the
// generated code in place.
//
// The Decoder is deliberately strict: it accepts only what encoding/json
// accepts, and it gives up (returns an error, usually ErrUnsure) on anything
// the generated code does not reproduce exactly, so that callers fall back to
// encoding/json, which then produces the canonical result or error message.
// Its errors are not meant for users.
package jsontext
