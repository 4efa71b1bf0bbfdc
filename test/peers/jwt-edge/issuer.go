// The test issuer: an RSA key made at start, published as a JWKS, and tokens signed with it for
// whoever asks (a test environment's issuer, never a production one).
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

const keyID = "peer-key-1"

func serveIssuer(mux *http.ServeMux) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgRS256, KID: keyID, USE: jwkset.UseSig},
	})
	if err != nil {
		return err
	}
	set := jwkset.NewMemoryStorage()
	if err := set.KeyWrite(context.Background(), jwk); err != nil {
		return err
	}
	jwks, err := set.JSONPublic(context.Background())
	if err != nil {
		return err
	}

	route(mux, "GET", "/.well-known/jwks.json", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	route(mux, "GET", "/token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := r.URL.Query().Get("sub")
		ttl, err := strconv.Atoi(r.URL.Query().Get("ttl"))
		if sub == "" || err != nil {
			http.Error(w, `{"error":"want ?sub=<user>&ttl=<seconds>"}`, http.StatusBadRequest)
			return
		}
		now := time.Now()
		claims := jwt.RegisteredClaims{
			Issuer:    issuerName,
			Subject:   sub,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Duration(ttl) * time.Second)),
		}
		token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		token.Header["kid"] = keyID
		signed, err := token.SignedString(key)
		if err != nil {
			http.Error(w, `{"error":"cannot sign"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": signed})
	}))
	return nil
}
