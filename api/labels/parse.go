package labels

import (
	"fmt"
	"slices"
)

// ParseError reports a selector string that Parse could not read.
type ParseError struct {
	// Selector is the whole input.
	Selector string
	// Offset is the byte offset in Selector of the token where reading
	// failed, or of the requirement that failed validation.
	Offset int
	// Msg says what was wrong, in Kubernetes' words ("found ',', expected:
	// identifier after ','", "unable to parse requirement: ...").
	Msg string
	// Err is the *ValidationError when a key or values failed validation,
	// and nil for a syntax error.
	Err error
}

// Error returns the input, the offset and the message.
func (e *ParseError) Error() string {
	return fmt.Sprintf("parse label selector %q at offset %d: %s", e.Selector, e.Offset, e.Msg)
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a label selector in Kubernetes' syntax:
//
//	<selector>    ::= <requirement> | <requirement> "," <selector>
//	<requirement> ::= [!] KEY [ <set-based> | <exact> | <compare> ]
//	<set-based>   ::= ("in" | "notin") "(" VALUE { "," VALUE } ")"
//	<exact>       ::= ("=" | "==" | "!=") VALUE
//	<compare>     ::= (">" | "<") INTEGER
//
// A bare KEY requires the label to exist and !KEY requires it to be absent.
// KEY is a qualified name and VALUE a label value, possibly empty ("a=",
// "a in (,b)"); the words "in" and "notin" may be keys and values. Spaces,
// tabs, CR and LF separate tokens and are otherwise ignored. The empty (or
// all-space) string gives Everything().
//
// Repeated values of one requirement are dropped and the rest sorted, and
// the requirements are sorted by key, so String of the result is canonical.
// On failure Parse returns a *ParseError giving the offset.
func Parse(s string) (Selector, error) {
	p := parser{input: s, items: lex(s)}
	reqs, err := p.parse()
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return everything, nil
	}
	sortByKey(reqs)
	return selector(reqs), nil
}

type token int

const (
	tokEnd token = iota
	tokIdent
	tokComma
	tokOpenPar
	tokClosePar
	tokNot      // !
	tokEquals   // =
	tokDoubleEq // ==
	tokNotEq    // !=
	tokGreater  // >
	tokLess     // <
	tokIn       // in
	tokNotIn    // notin
)

// item is one token with its text and byte offset.
type item struct {
	tok token
	lit string
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isSymbol(c byte) bool {
	switch c {
	case '=', '!', '(', ')', ',', '>', '<':
		return true
	}
	return false
}

// lex splits s into tokens, ending with tokEnd. Every byte is part of some
// token or a separator, so lexing cannot fail.
func lex(s string) []item {
	var items []item
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return append(items, item{tok: tokEnd, pos: i})
		}
		start := i
		c := s[i]
		if isSymbol(c) {
			if i+1 < len(s) && s[i+1] == '=' && (c == '=' || c == '!') {
				tok := tokDoubleEq
				if c == '!' {
					tok = tokNotEq
				}
				items = append(items, item{tok: tok, lit: s[i : i+2], pos: start})
				i += 2
				continue
			}
			var tok token
			switch c {
			case '=':
				tok = tokEquals
			case '!':
				tok = tokNot
			case '(':
				tok = tokOpenPar
			case ')':
				tok = tokClosePar
			case ',':
				tok = tokComma
			case '>':
				tok = tokGreater
			default: // '<'
				tok = tokLess
			}
			items = append(items, item{tok: tok, lit: s[i : i+1], pos: start})
			i++
			continue
		}
		for i < len(s) && !isSymbol(s[i]) && !isSpace(s[i]) {
			i++
		}
		lit := s[start:i]
		tok := tokIdent
		switch lit {
		case "in":
			tok = tokIn
		case "notin":
			tok = tokNotIn
		}
		items = append(items, item{tok: tok, lit: lit, pos: start})
	}
}

// context says whether "in" and "notin" are operators (afterKey) or plain
// identifiers (elsewhere: keys and values).
type context int

const (
	asValue context = iota
	afterKey
)

type parser struct {
	input string
	items []item
	next  int
}

func (p *parser) peek(ctx context) item {
	it := p.items[p.next]
	if ctx == asValue && (it.tok == tokIn || it.tok == tokNotIn) {
		it.tok = tokIdent
	}
	return it
}

func (p *parser) consume(ctx context) item {
	it := p.peek(ctx)
	if p.next < len(p.items)-1 { // never move past tokEnd
		p.next++
	}
	return it
}

func (p *parser) fail(it item, format string, args ...any) error {
	return &ParseError{Selector: p.input, Offset: it.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() ([]Requirement, error) {
	var reqs []Requirement
	for {
		it := p.peek(asValue)
		switch it.tok {
		case tokIdent, tokNot:
			r, err := p.parseRequirement()
			if err != nil {
				return nil, err
			}
			reqs = append(reqs, *r)
			sep := p.consume(asValue)
			switch sep.tok {
			case tokEnd:
				return reqs, nil
			case tokComma:
				if n := p.peek(asValue); n.tok != tokIdent && n.tok != tokNot {
					return nil, p.fail(n, "found '%s', expected: identifier after ','", n.lit)
				}
			default:
				return nil, p.fail(sep, "found '%s', expected: ',' or 'end of string'", sep.lit)
			}
		case tokEnd:
			return reqs, nil
		default:
			return nil, p.fail(it, "found '%s', expected: !, identifier, or 'end of string'", it.lit)
		}
	}
}

// requirementError marks a failure inside one requirement, as Kubernetes
// does: "unable to parse requirement: ...".
func (p *parser) requirementError(err error) error {
	if pe, ok := err.(*ParseError); ok {
		pe.Msg = "unable to parse requirement: " + pe.Msg
	}
	return err
}

func (p *parser) parseRequirement() (*Requirement, error) {
	start := p.peek(asValue)
	key, op, err := p.parseKeyAndInferOperator()
	if err != nil {
		return nil, p.requirementError(err)
	}
	var values []string
	if op != Exists && op != DoesNotExist {
		if op, err = p.parseOperator(); err != nil {
			return nil, p.requirementError(err)
		}
		if op == In || op == NotIn {
			values, err = p.parseValues()
		} else {
			values, err = p.parseExactValue()
		}
		if err != nil {
			return nil, p.requirementError(err)
		}
		slices.Sort(values)
		values = slices.Compact(values)
	}
	var probs problems
	checkRequirement(&probs, key, op, values)
	if err := probs.err(); err != nil {
		return nil, &ParseError{Selector: p.input, Offset: start.pos, Msg: "unable to parse requirement: " + err.Error(), Err: err}
	}
	return &Requirement{key: key, operator: op, values: values}, nil
}

// parseKeyAndInferOperator reads [!] KEY. It returns DoesNotExist after "!",
// Exists when the key ends the requirement, and "" when an operator follows.
func (p *parser) parseKeyAndInferOperator() (string, Operator, error) {
	var op Operator
	it := p.consume(asValue)
	if it.tok == tokNot {
		op = DoesNotExist
		it = p.consume(asValue)
	}
	if it.tok != tokIdent {
		return "", "", p.fail(it, "found '%s', expected: identifier", it.lit)
	}
	// The key is checked before anything after it, as Kubernetes does.
	var probs problems
	checkKey(&probs, it.lit)
	if err := probs.err(); err != nil {
		return "", "", &ParseError{Selector: p.input, Offset: it.pos, Msg: err.Error(), Err: err}
	}
	if n := p.peek(asValue); (n.tok == tokEnd || n.tok == tokComma) && op != DoesNotExist {
		op = Exists
	}
	return it.lit, op, nil
}

func (p *parser) parseOperator() (Operator, error) {
	it := p.consume(afterKey)
	switch it.tok {
	case tokIn:
		return In, nil
	case tokEquals:
		return Equals, nil
	case tokDoubleEq:
		return DoubleEquals, nil
	case tokGreater:
		return GreaterThan, nil
	case tokLess:
		return LessThan, nil
	case tokNotIn:
		return NotIn, nil
	case tokNotEq:
		return NotEquals, nil
	}
	return "", p.fail(it, "found '%s', expected: in, notin, =, ==, !=, gt, lt", it.lit)
}

// parseValues reads "(" values ")"; "()" is the one value "".
func (p *parser) parseValues() ([]string, error) {
	if it := p.consume(asValue); it.tok != tokOpenPar {
		return nil, p.fail(it, "found '%s' expected: '('", it.lit)
	}
	switch it := p.peek(asValue); it.tok {
	case tokIdent, tokComma:
		values, err := p.parseIdentifiersList()
		if err != nil {
			return nil, err
		}
		if it := p.consume(asValue); it.tok != tokClosePar {
			return nil, p.fail(it, "found '%s', expected: ')'", it.lit)
		}
		return values, nil
	case tokClosePar:
		p.consume(asValue)
		return []string{""}, nil
	default:
		return nil, p.fail(it, "found '%s', expected: ',', ')' or identifier", it.lit)
	}
}

// parseIdentifiersList reads values separated by commas, any of them empty
// ("a,,b", ",a", "a,"), up to but not including ")".
func (p *parser) parseIdentifiersList() ([]string, error) {
	var values []string
	for {
		it := p.consume(asValue)
		switch it.tok {
		case tokIdent:
			values = append(values, it.lit)
			switch n := p.peek(asValue); n.tok {
			case tokComma:
				continue
			case tokClosePar:
				return values, nil
			default:
				return nil, p.fail(n, "found '%s', expected: ',' or ')'", n.lit)
			}
		case tokComma:
			if len(values) == 0 {
				values = append(values, "") // "(,"
			}
			switch n := p.peek(asValue); n.tok {
			case tokClosePar:
				return append(values, ""), nil // ",)"
			case tokComma:
				values = append(values, "") // ",,"
			}
		default:
			return nil, p.fail(it, "found '%s', expected: ',', or identifier", it.lit)
		}
	}
}

// parseExactValue reads the one value after =, ==, !=, > or <; nothing
// before "," or the end is the value "".
func (p *parser) parseExactValue() ([]string, error) {
	if n := p.peek(asValue); n.tok == tokEnd || n.tok == tokComma {
		return []string{""}, nil
	}
	it := p.consume(asValue)
	if it.tok == tokIdent {
		return []string{it.lit}, nil
	}
	return nil, p.fail(it, "found '%s', expected: identifier", it.lit)
}
