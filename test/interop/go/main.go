// Go side of the passport wire-format checks (docs/wire-format.md), with Debian's golang-jwt.
//
//	interop verify CASES.json   -> one verdict per case, as JSON, on stdout
//	interop mint KEYS.json      -> tokens minted per the profile, as JSON, on stdout
//
// golang-jwt does what a stock JWT library does (signature, pinned algorithm, and the exp, nbf,
// iss and aud checks of MapClaims, given the vector's clock and leeway); this file adds only the
// profile's own rules: a size cap before decoding, crit refused, the key looked up by kid and alg
// in our own key set (never from the token), sub a non-empty string.
package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	jwt "github.com/golang-jwt/jwt"
)

type settings struct {
	Issuer                *string  `json:"issuer"`
	Audience              []string `json:"audience"`
	Now                   int64    `json:"now"`
	ClockToleranceSeconds int64    `json:"clockToleranceSeconds"`
	MaxHeaderBytes        int      `json:"maxHeaderBytes"`
}

type jwk map[string]string

type testCase struct {
	ID     string   `json:"id"`
	Token  string   `json:"token"`
	Keys   []jwk    `json:"keys"`
	Verify settings `json:"verify"`
}

type result struct {
	ID      string                 `json:"id"`
	Verdict string                 `json:"verdict"`
	Reason  string                 `json:"reason,omitempty"`
	Claims  map[string]interface{} `json:"claims,omitempty"`
	Token   string                 `json:"token,omitempty"`
}

func refuse(id, reason string) result { return result{ID: id, Verdict: "refuse", Reason: reason} }

func bytesOf(value string) []byte {
	out, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		panic(fmt.Sprintf("bad base64url in a key: %v", err))
	}
	return out
}

func verificationKey(key jwk) interface{} {
	if key["alg"] == "EdDSA" {
		return ed25519.PublicKey(bytesOf(key["x"]))
	}
	return bytesOf(key["k"])
}

func verify(c testCase) result {
	s := c.Verify
	if len(c.Token) > s.MaxHeaderBytes {
		return refuse(c.ID, "too large")
	}
	unverified, _, err := new(jwt.Parser).ParseUnverified(c.Token, jwt.MapClaims{})
	if err != nil {
		return refuse(c.ID, "malformed: "+err.Error())
	}
	if _, ok := unverified.Header["crit"]; ok {
		return refuse(c.ID, "crit")
	}
	alg, _ := unverified.Header["alg"].(string)
	kid, hasKid := unverified.Header["kid"].(string)
	allowed := false
	var candidates []jwk
	for _, key := range c.Keys {
		if key["alg"] == alg {
			allowed = true
			if !hasKid || key["kid"] == kid {
				candidates = append(candidates, key)
			}
		}
	}
	if !allowed {
		return refuse(c.ID, "algorithm not allowed: "+alg)
	}
	if len(candidates) == 0 {
		return refuse(c.ID, "unknown kid")
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithJSONNumber(), jwt.WithoutClaimsValidation())
	reason := "no key"
	for _, key := range candidates {
		claims := jwt.MapClaims{}
		_, err := parser.ParseWithClaims(c.Token, claims, func(*jwt.Token) (interface{}, error) {
			return verificationKey(key), nil
		})
		var invalid *jwt.ValidationError
		if errors.As(err, &invalid) && invalid.Errors&jwt.ValidationErrorSignatureInvalid != 0 {
			reason = "signature"
			continue
		}
		if err != nil {
			return refuse(c.ID, err.Error())
		}
		// golang-jwt's own claim checks, at the vector's time with the leeway on each side.
		if !claims.VerifyExpiresAt(s.Now-s.ClockToleranceSeconds, true) {
			return refuse(c.ID, "exp missing, not a number, or expired")
		}
		if !claims.VerifyNotBefore(s.Now+s.ClockToleranceSeconds, false) {
			return refuse(c.ID, "nbf not a number or in the future")
		}
		if iat, ok := claims["iat"]; ok {
			if _, isNumber := iat.(json.Number); !isNumber {
				return refuse(c.ID, "iat is not a number")
			}
		}
		if s.Issuer != nil && !claims.VerifyIssuer(*s.Issuer, true) {
			return refuse(c.ID, "issuer")
		}
		if len(s.Audience) > 0 {
			granted := false
			for _, audience := range s.Audience {
				granted = granted || claims.VerifyAudience(audience, true)
			}
			if !granted {
				return refuse(c.ID, "audience")
			}
		}
		if sub, ok := claims["sub"].(string); !ok || sub == "" {
			return refuse(c.ID, "no sub")
		}
		return result{ID: c.ID, Verdict: "accept", Claims: claims}
	}
	return refuse(c.ID, reason)
}

type mintInput struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	Keys     []jwk  `json:"keys"`
}

func mint(in mintInput) []result {
	now := time.Now().Unix()
	var out []result
	for _, key := range in.Keys {
		claims := jwt.MapClaims{
			"sub": "go-user", "iss": in.Issuer, "aud": in.Audience, "iat": now, "exp": now + 300,
			"jti": fmt.Sprintf("go-%d", time.Now().UnixNano()), "roles": []string{"buyer"}, "tenant": "acme",
		}
		var method jwt.SigningMethod = jwt.SigningMethodHS256
		var signWith interface{} = bytesOf(key["k"])
		if key["alg"] == "EdDSA" {
			method = jwt.SigningMethodEdDSA
			signWith = ed25519.NewKeyFromSeed(bytesOf(key["d"]))
		}
		token := jwt.NewWithClaims(method, claims)
		token.Header["kid"] = key["kid"]
		signed, err := token.SignedString(signWith)
		if err != nil {
			panic(err)
		}
		out = append(out, result{ID: "go/" + key["alg"], Verdict: "minted", Token: signed, Claims: claims})
	}
	return out
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: interop verify|mint FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var results []result
	switch os.Args[1] {
	case "verify":
		var cases []testCase
		if err := json.Unmarshal(data, &cases); err != nil {
			panic(err)
		}
		for _, c := range cases {
			results = append(results, verify(c))
		}
	case "mint":
		var in mintInput
		if err := json.Unmarshal(data, &in); err != nil {
			panic(err)
		}
		results = mint(in)
	default:
		fmt.Fprintln(os.Stderr, "usage: interop verify|mint FILE")
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"library": "golang-jwt (Debian)", "results": results}); err != nil {
		panic(err)
	}
}
