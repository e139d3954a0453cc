package client

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Bounds of the sign-in files the provider reads. A KooCLI configuration
// holds a few hundred bytes per profile and an id token is a JWT of a few
// KiB: files larger than these are not what they claim to be.
const (
	MaxProfileFileSize = 1 << 20  // 1 MiB
	MaxIDTokenFileSize = 64 << 10 // 64 KiB
)

// readSignInFile reads what (such as "the shared config file") at path: a
// regular file of at most limit bytes, reached through symbolic links or
// not. It never blocks and never reads more than limit+1 bytes:
//
//   - the path is looked at first (stat, following links), and anything but
//     a regular file is refused unopened: a named pipe would block open(2)
//     until a writer came, a device could stream for ever;
//   - the file is opened with O_NONBLOCK, so a path swapped for a pipe
//     between the look and the open does not block either, and looked at
//     again through the open descriptor;
//   - at most limit+1 bytes are read, and more than limit is an error.
//
// Errors name the file and what is wrong with it, never its content. Only a
// path that names nothing at all (not even a link) gives an error that
// wraps fs.ErrNotExist: the one case a default file may be passed over.
func readSignInFile(what, path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, statError(what, path, err)
	}
	if err := checkRegular(what, path, info, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s %s was removed while it was being read", what, path)
		}
		return nil, fmt.Errorf("%s %s cannot be opened: %w", what, path, unwrapPath(err))
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("%s %s cannot be read: %w", what, path, unwrapPath(err))
	}
	if err := checkRegular(what, path, info, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s cannot be read: %w", what, path, unwrapPath(err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s %s is larger than %s, more than such a file ever holds", what, path, sizeString(limit))
	}
	return b, nil
}

// statError says why a path could not be looked at.
func statError(what, path string, err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%s %s is a symbolic link loop (too many levels of symbolic links)", what, path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		link, lerr := os.Lstat(path)
		switch {
		case lerr == nil && link.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			return fmt.Errorf("%s %s is a symbolic link to %q, which does not exist", what, path, target)
		case lerr == nil:
			// There a moment ago, gone now: not a file that was never there.
			return fmt.Errorf("%s %s was removed while it was being read", what, path)
		case errors.Is(lerr, fs.ErrNotExist):
			return &notExistError{what: what, path: path}
		}
		err = lerr
	}
	return fmt.Errorf("%s %s cannot be read: %w", what, path, unwrapPath(err))
}

// notExistError is a sign-in file that is not there at all.
type notExistError struct{ what, path string }

func (e *notExistError) Error() string { return e.what + " " + e.path + " does not exist" }
func (e *notExistError) Unwrap() error { return fs.ErrNotExist }

func checkRegular(what, path string, info fs.FileInfo, limit int64) error {
	mode := info.Mode()
	if !mode.IsRegular() {
		return fmt.Errorf("%s %s is not a regular file but %s", what, path, describeMode(mode))
	}
	if info.Size() > limit {
		return fmt.Errorf("%s %s is larger than %s (%d bytes), more than such a file ever holds", what, path, sizeString(limit), info.Size())
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "of type " + m.Type().String()
}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// unwrapPath drops the *fs.PathError around err: the message names the
// file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
