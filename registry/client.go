package registry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Client speaks to registries and keeps the layer cache.
type Client struct {
	// Cache is the directory of pulled and pushed blobs,
	// CACHE/blobs/sha256/HEX; CacheDir gives the user's.
	Cache string
	// Keychain finds credentials: authn.DefaultKeychain (docker's
	// config.json and its credential helpers, podman's auth.json) unless
	// set.
	Keychain authn.Keychain
	// Transport carries the requests; the default takes proxies from the
	// environment and gives up on a server silent for StallTimeout.
	Transport http.RoundTripper
}

// StallTimeout is how long a registry may send nothing, while
// connecting, answering or in the middle of a blob, before the transfer
// fails: a server that vanished gives an error, not a hang.
var StallTimeout = 30 * time.Second

// CacheDir is the user's layer cache: $XDG_CACHE_HOME/zvfs, else
// ~/.cache/zvfs.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("layer cache: %w", err)
	}
	return filepath.Join(d, "zvfs"), nil
}

// NewClient is a Client with the user's cache, keychain and proxies.
func NewClient() (*Client, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	return &Client{Cache: cache}, nil
}

func (c *Client) options(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(c.keychain()),
		remote.WithTransport(c.transport()), remote.WithUserAgent("zvfs")}
}

func (c *Client) keychain() authn.Keychain {
	if c.Keychain == nil {
		return authn.DefaultKeychain
	}
	return c.Keychain
}

func (c *Client) transport() http.RoundTripper {
	if c.Transport == nil {
		return defaultTransport()
	}
	return c.Transport
}

// defaultTransport is remote's, with stall limits on connecting and on
// the wait for an answer, and on each read of a body (stallConn).
func defaultTransport() http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: StallTimeout, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return stallConn{conn}, nil
	}
	t.TLSHandshakeTimeout = StallTimeout
	t.ResponseHeaderTimeout = StallTimeout
	return t
}

// stallConn fails a read that waits longer than StallTimeout for a byte.
type stallConn struct{ net.Conn }

func (c stallConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(StallTimeout))
	return c.Conn.Read(b)
}
