package tagger

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// The model file, gzip'd, little-endian:
//
//	"parley-tagger\x01"
//	u32 n, n bytes: every key (tagger words, tagger features, entity features), one after another
//	u32 n, n × (u8 length, bytes): the part-of-speech tags
//	u32 n, n × (u16 key length, u8 tag): words tagged without context
//	u32 n, u32 pairs, n × (u16 key length, u8 k, k × u8 tag, k × f64 weight): tagger features
//	u32 n, n × (u8 length, bytes): the entity labels
//	u32 n, u32 pairs, n × (u16 key length, u8 k, k × u8 label, k × f64 weight): entity features
//	("name-value")
//
// Keys are taken from the key bytes in order.
const magic = "parley-tagger\x01"

// Source is a model as plain tables, for Write (gen/ builds it from prose's models).
type Source struct {
	Classes []string
	Known   map[string]string             // word → tag
	Feats   map[string]map[string]float64 // tagger feature → tag → weight
	Labels  []string
	Ents    map[string]map[string]float64 // "name-value" → label → weight
}

// Write writes src as a model file, gzip'd, keys sorted so the same source gives the same bytes.
func Write(w io.Writer, src Source) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	var keys, body []byte
	u32 := func(n int) { body = binary.LittleEndian.AppendUint32(body, uint32(n)) }
	str8 := func(s string) { body = append(append(body, byte(len(s))), s...) }
	key := func(k string) error {
		if len(k) > math.MaxUint16 {
			return fmt.Errorf("key of %d bytes", len(k))
		}
		keys = append(keys, k...)
		body = binary.LittleEndian.AppendUint16(body, uint16(len(k)))
		return nil
	}
	// names writes a list of class names and returns each one's index.
	names := func(list []string) (map[string]int, error) {
		ix := map[string]int{}
		u32(len(list))
		for i, n := range list {
			if len(n) > math.MaxUint8 || i > math.MaxUint8 {
				return nil, fmt.Errorf("class %q", n)
			}
			ix[n] = i
			str8(n)
		}
		return ix, nil
	}
	runs := func(table map[string]map[string]float64, ix map[string]int) error {
		pairs := 0
		for _, cw := range table {
			pairs += len(cw)
		}
		u32(len(table))
		u32(pairs)
		for _, k := range slices.Sorted(maps.Keys(table)) {
			if err := key(k); err != nil {
				return err
			}
			cls := slices.Sorted(maps.Keys(table[k]))
			body = append(body, byte(len(cls)))
			for _, c := range cls {
				i, ok := ix[c]
				if !ok {
					return fmt.Errorf("%q: unknown class %q", k, c)
				}
				body = append(body, byte(i))
			}
			for _, c := range cls {
				body = binary.LittleEndian.AppendUint64(body, math.Float64bits(table[k][c]))
			}
		}
		return nil
	}
	ci, err := names(src.Classes)
	if err != nil {
		return err
	}
	u32(len(src.Known))
	for _, k := range slices.Sorted(maps.Keys(src.Known)) {
		i, ok := ci[src.Known[k]]
		if !ok {
			return fmt.Errorf("%q: unknown tag %q", k, src.Known[k])
		}
		if err := key(k); err != nil {
			return err
		}
		body = append(body, byte(i))
	}
	if err := runs(src.Feats, ci); err != nil {
		return err
	}
	li, err := names(src.Labels)
	if err != nil {
		return err
	}
	if err := runs(src.Ents, li); err != nil {
		return err
	}
	head := binary.LittleEndian.AppendUint32([]byte(magic), uint32(len(keys)))
	for _, b := range [][]byte{head, keys, body} {
		if _, err := zw.Write(b); err != nil {
			return err
		}
	}
	return zw.Close()
}

var errShort = errors.New("truncated")

// reader walks a model file's tables.
type reader struct {
	b    []byte
	keys string // every key, one after another
	pos  int    // where the next key starts in keys
	err  error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errShort
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() int {
	if b := r.take(1); b != nil {
		return int(b[0])
	}
	return 0
}

func (r *reader) u16() int {
	if b := r.take(2); b != nil {
		return int(binary.LittleEndian.Uint16(b))
	}
	return 0
}

func (r *reader) u32() int {
	if b := r.take(4); b != nil {
		return int(binary.LittleEndian.Uint32(b))
	}
	return 0
}

func (r *reader) key() string {
	n := r.u16()
	if r.err != nil || n > len(r.keys)-r.pos {
		r.err = errShort
		return ""
	}
	r.pos += n
	return r.keys[r.pos-n : r.pos]
}

func (r *reader) names() []string {
	n := r.u32()
	if n > 256 {
		r.err = fmt.Errorf("%d classes", n)
	}
	var out []string
	for range n {
		if r.err != nil {
			return nil
		}
		out = append(out, string(r.take(r.u8())))
	}
	return out
}

// runs reads a table of keys with their (class, weight) runs.
func (r *reader) runs(classes int) weights {
	n, pairs := r.u32(), r.u32()
	if r.err != nil || n > len(r.b) || 9*pairs > len(r.b) {
		r.err = errShort
		return weights{}
	}
	off, val := make([]uint32, 1, n+1), make([]uint32, 0, n)
	off[0] = uint32(r.pos)
	cls := make([]uint8, 0, pairs)
	ws := make([]float64, 0, pairs)
	for range n {
		k, c := r.key(), r.u8()
		ids, raw := r.take(c), r.take(8*c)
		if r.err != nil {
			return weights{}
		}
		if len(cls)+c > pairs || len(cls) >= 1<<24 {
			r.err = fmt.Errorf("more than %d weights", pairs)
			return weights{}
		}
		off, val = append(off, uint32(r.pos)), append(val, uint32(len(cls))<<8|uint32(c))
		for j, id := range ids {
			if int(id) >= classes {
				r.err = fmt.Errorf("%q: class %d of %d", k, id, classes)
				return weights{}
			}
			cls = append(cls, id)
			ws = append(ws, math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:])))
		}
	}
	if len(cls) != pairs {
		r.err = fmt.Errorf("%d weights, %d announced", len(cls), pairs)
		return weights{}
	}
	return weights{newTable(r.keys, off, val), cls, ws}
}

func decode(b []byte) (*Model, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a tagger model")
	}
	r := &reader{b: b[len(magic):]}
	n := r.u32()
	r.keys = string(r.take(n))
	m := &Model{}
	m.classes = r.names()
	known := r.u32()
	if r.err == nil && known > len(r.b) {
		r.err = errShort
	}
	if r.err == nil {
		m.known = make(map[string]uint8, known)
	}
	for range known {
		k, c := r.key(), r.u8()
		if r.err != nil {
			break
		}
		if c >= len(m.classes) {
			r.err = fmt.Errorf("%q: tag %d of %d", k, c, len(m.classes))
			break
		}
		m.known[k] = uint8(c)
	}
	m.feats = r.runs(len(m.classes))
	m.labels = r.names()
	m.ents = r.runs(len(m.labels))
	switch {
	case r.err != nil:
		return nil, r.err
	case len(r.b) != 0 || r.pos != len(r.keys):
		return nil, fmt.Errorf("%d bytes and %d key bytes left over", len(r.b), len(r.keys)-r.pos)
	case len(m.classes) == 0 || len(m.labels) == 0:
		return nil, errors.New("no classes")
	}
	return m, nil
}
