package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/bson"
)

// FerretDB v1 runs findAndModify, update and delete as "query, then write" without holding a
// lock in between (FerretDB issue 2168), so two concurrent `findOneAndUpdate({lockedAt: null})`
// both win. MongoDB makes each such single-document change atomic, and Agenda's job locks (and
// the hub's own run locks) depend on it. The serializer sits in front of FerretDB on the public
// address and lets only one of these commands per database be in flight at a time, restoring
// that guarantee. Reads and inserts pass through untouched (inserts cannot race that way;
// main.go makes FerretDB's write transactions BEGIN IMMEDIATE so they wait, not fail).
//
// The lock is per database (the command's "$db"), not server-wide: the SQLite backend keeps each
// database in its own file, so databases never contend for SQLite's write lock, and a slow update
// in one database (one test's hub) must not stall the writes of every other.

const (
	opMsg          = 2013
	headerLen      = 16
	maxMessage     = 48 * 1024 * 1024
	flagMoreToCome = 1 << 1
)

var serializedCommands = map[string]bool{"findandmodify": true, "update": true, "delete": true}

type serializer struct {
	backend string
	mu      sync.Mutex
	locks   map[string]*sync.Mutex
}

// lockFor returns the write lock of one database, creating it on first use.
func (s *serializer) lockFor(db string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l, ok := s.locks[db]
	if !ok {
		l = &sync.Mutex{}
		s.locks[db] = l
	}
	return l
}

func (s *serializer) serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go s.handle(conn)
	}
}

func (s *serializer) handle(client net.Conn) {
	defer client.Close()
	backend, err := net.Dial("tcp", s.backend)
	if err != nil {
		return
	}
	defer backend.Close()

	var awaiting atomic.Int32 // requestID of the serialized command waiting for its reply; 0 = none
	replied := make(chan struct{}, 1)
	backendGone := make(chan struct{})

	go func() {
		defer close(backendGone)
		defer client.Close()
		for {
			msg, err := readMessage(backend)
			if err != nil {
				return
			}
			if _, err := client.Write(msg); err != nil {
				return
			}
			responseTo := int32(binary.LittleEndian.Uint32(msg[8:12]))
			if responseTo != 0 && awaiting.CompareAndSwap(responseTo, 0) {
				replied <- struct{}{}
			}
		}
	}()

	for {
		msg, err := readMessage(client)
		if err != nil {
			return
		}
		serialize, db := needsSerialization(msg)
		if !serialize {
			if _, err := backend.Write(msg); err != nil {
				return
			}
			continue
		}
		writeMu := s.lockFor(db)
		writeMu.Lock()
		requestID := int32(binary.LittleEndian.Uint32(msg[4:8]))
		expectsReply := binary.LittleEndian.Uint32(msg[16:20])&flagMoreToCome == 0
		if expectsReply {
			awaiting.Store(requestID)
		}
		if _, err := backend.Write(msg); err != nil {
			writeMu.Unlock()
			return
		}
		if expectsReply {
			select {
			case <-replied:
			case <-backendGone:
				writeMu.Unlock()
				return
			}
		}
		writeMu.Unlock()
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, err
	}
	length := int(int32(binary.LittleEndian.Uint32(header[0:4])))
	if length < headerLen || length > maxMessage {
		return nil, fmt.Errorf("bad message length %d", length)
	}
	msg := make([]byte, length)
	copy(msg, header)
	if _, err := io.ReadFull(r, msg[headerLen:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// needsSerialization reports whether an OP_MSG carries one of the read-then-write commands, and
// the database it addresses. Anything it cannot parse passes through unserialized rather than
// being rejected.
func needsSerialization(msg []byte) (bool, string) {
	if len(msg) < headerLen+5 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return false, ""
	}
	body, err := bodySection(msg[headerLen+4:])
	if err != nil {
		return false, ""
	}
	first, err := bson.Raw(body).IndexErr(0)
	if err != nil || !serializedCommands[strings.ToLower(first.Key())] {
		return false, ""
	}
	// Without a readable "$db" every such command shares one lock: slower, never unsafe.
	db, _ := bson.Raw(body).Lookup("$db").StringValueOK()
	return true, db
}

// bodySection finds the body section (kind 0) and returns its document.
func bodySection(sections []byte) ([]byte, error) {
	for len(sections) > 0 {
		kind := sections[0]
		sections = sections[1:]
		if len(sections) < 4 {
			return nil, errors.New("truncated section")
		}
		size := int(int32(binary.LittleEndian.Uint32(sections[0:4])))
		if size < 5 || size > len(sections) {
			return nil, errors.New("bad section size")
		}
		if kind == 0 {
			return sections[:size], nil
		}
		sections = sections[size:]
	}
	return nil, errors.New("no body section")
}
