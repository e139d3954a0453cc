//go:build unix

package client_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/simulator"
)

// brokenFile makes a sign-in file that cannot be used at dir/name, of one
// of the kinds a hostile or careless setup leaves: a symbolic link loop, a
// link to nothing, a directory, a named pipe (which blocks a plain open
// until a writer comes), a file over the size bound. It returns the path
// and a cleanup that unblocks anything a FIFO still holds.
func brokenFile(t *testing.T, dir, name, kind string, limit int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	var err error
	switch kind {
	case "symlink loop":
		if err = os.Symlink(p+".b", p); err == nil {
			err = os.Symlink(p, p+".b")
		}
	case "dangling link":
		err = os.Symlink(filepath.Join(dir, "gone"), p)
	case "directory":
		err = os.Mkdir(p, 0o700)
	case "fifo":
		if err = syscall.Mkfifo(p, 0o600); err == nil {
			// Whatever the code under test left blocked in open(2) is
			// released when the test ends: a writer opens, then closes.
			t.Cleanup(func() {
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
			})
		}
	case "oversized":
		// Valid JSON, to the byte: only its size is wrong.
		body := `{"current":"dev","profiles":[{"name":"dev","mode":"AKSK","accessKeyId":"` + simulator.DefaultAccessKey +
			`","secretAccessKey":"` + simulator.DefaultSecretKey + `","region":"cn-north-4","padding":"` + strings.Repeat("x", limit) + `"}]}`
		err = os.WriteFile(p, []byte(body), 0o600)
	default:
		t.Fatalf("unknown kind %s", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withinSeconds runs f and fails the test, instead of hanging it, when f
// does not return within 5 seconds: a FIFO opened without O_NONBLOCK
// blocks until a writer comes, which is for ever.
func withinSeconds(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not return within 5 s: it blocks on the file", what)
		return nil
	}
}

var signInFileCases = []struct{ kind, want string }{
	{"symlink loop", "is a symbolic link loop"},
	{"dangling link", "is a symbolic link to " /* the target */},
	{"directory", "is not a regular file but a directory"},
	{"fifo", "is not a regular file but a named pipe (FIFO)"},
	{"oversized", "is larger than"},
}

// A KooCLI profile file that cannot be read is an error naming the file
// and what is wrong with it, within moments: never a hang, never a read of
// an unbounded file.
func TestLoadProfileRefusesBrokenFiles(t *testing.T) {
	for _, tc := range signInFileCases {
		t.Run(tc.kind, func(t *testing.T) {
			file := brokenFile(t, t.TempDir(), "config.json", tc.kind, client.MaxProfileFileSize)
			err := withinSeconds(t, "LoadProfile", func() error { _, err := client.LoadProfile(file, ""); return err })
			if err == nil || !strings.Contains(err.Error(), "the shared config file "+file+" "+tc.want) {
				t.Fatalf("got %v, want an error naming %s that says it %s", err, file, tc.want)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%v: reads as a file that does not exist, which the provider may skip", err)
			}
			if strings.Contains(err.Error(), simulator.DefaultSecretKey) {
				t.Fatal("the error shows the file's content")
			}
		})
	}
	// Only a file that is not there at all reads as absent, the one case
	// the provider may pass over for the default file.
	missing := filepath.Join(t.TempDir(), "config.json")
	if _, err := client.LoadProfile(missing, ""); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing+" does not exist") {
		t.Fatalf("got %v, want a does-not-exist error naming the file", err)
	}
	// A link to a good file is a good file.
	good := filepath.Join(t.TempDir(), "real.json")
	body := `{"current":"dev","profiles":[{"name":"dev","mode":"AKSK","accessKeyId":"` + simulator.DefaultAccessKey + `","secretAccessKey":"` + simulator.DefaultSecretKey + `"}]}`
	if err := os.WriteFile(good, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "config.json")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	if p, err := client.LoadProfile(link, ""); err != nil || p.Credentials.AccessKey != simulator.DefaultAccessKey {
		t.Fatalf("a link to a good profile file: %v", err)
	}
}

// The id token file is read at every sign-in and every refresh, with the
// same checks: a broken one is an error naming it, and nothing is sent to
// IAM.
func TestOIDCRefusesBrokenIDTokenFiles(t *testing.T) {
	for _, tc := range signInFileCases {
		t.Run(tc.kind, func(t *testing.T) {
			sim, srv := startSim(t)
			file := brokenFile(t, t.TempDir(), "id-token", tc.kind, client.MaxIDTokenFileSize)
			c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
				cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDTokenFile: file, AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := withinSeconds(t, "signing in with the id token file", func() error { return c.CheckCredentials(ctx) })
			if err == nil || !strings.Contains(err.Error(), "the id token file "+file+" "+tc.want) {
				t.Fatalf("got %v, want an error naming %s that says it %s", err, file, tc.want)
			}
			if n := sim.Count(simulator.IAMIDTokens); n != 0 {
				t.Fatalf("%d id token exchanges with a broken file", n)
			}
		})
	}
}

// A file that was good at sign-in and broke before the refresh fails the
// refresh, naming it: the same checks on every read.
func TestOIDCRefreshChecksTheIDTokenFileAgain(t *testing.T) {
	clk := &clock{now: time.Now()}
	sim, srv := startSimWith(t, simulator.Options{Now: clk.Now})
	sim.SetCredentialLifetime(3 * time.Second)
	dir := t.TempDir()
	file := filepath.Join(dir, "id-token")
	if err := os.WriteFile(file, []byte(simulator.DefaultIDToken), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL, client.Credentials{}, func(cfg *client.Config) {
		cfg.Now = clk.Now
		cfg.OIDC = &client.OIDCSource{IdpID: simulator.DefaultIdpID, IDTokenFile: file, AgencyName: simulator.DefaultAgencyName, DomainID: simulator.DefaultDomainID}
	})
	readMany(t, c, 2, "a")
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	brokenFile(t, dir, "id-token", "fifo", 0)
	clk.Advance(4 * time.Second) // expired: the refresh must read the file again
	err := withinSeconds(t, "the refresh", func() error { return c.CheckCredentials(context.Background()) })
	if err == nil || !strings.Contains(err.Error(), "the id token file "+file+" is not a regular file but a named pipe (FIFO)") {
		t.Fatalf("got %v", err)
	}
	if n := sim.Count(simulator.IAMIDTokens); n != 1 {
		t.Fatalf("%d id token exchanges, want 1 (the first sign-in)", n)
	}
}
