package tagger

import (
	"hash/maphash"
	"math/bits"
)

// table maps keys to values with open addressing over one string of keys: four bytes a slot and twelve
// an entry, no pointers for the garbage collector to follow, where a Go map[string]uint32 takes about
// forty an entry. Read-only once built.
type table struct {
	keys  string   // the keys, one after another: entry i's is keys[off[i]:off[i+1]]
	off   []uint32 // len(val)+1
	val   []uint32
	slots []uint32 // entry index + 1, 0 for an empty slot; a power of two, at most 3/4 full
	seed  maphash.Seed
}

func newTable(keys string, off, val []uint32) *table {
	t := &table{keys: keys, off: off, val: val, seed: maphash.MakeSeed()}
	n := 1 << bits.Len(uint(len(val)*4/3+1))
	t.slots = make([]uint32, n)
	for i := range val {
		k := t.key(i)
		for s := t.home(k); ; s = (s + 1) & (n - 1) {
			if t.slots[s] == 0 {
				t.slots[s] = uint32(i + 1)
				break
			}
			if t.key(int(t.slots[s]-1)) == k { // a key given twice: the first stands
				break
			}
		}
	}
	return t
}

func (t *table) key(i int) string { return t.keys[t.off[i]:t.off[i+1]] }

func (t *table) home(k string) int { return int(maphash.String(t.seed, k) & uint64(len(t.slots)-1)) }

// get returns k's value.
func (t *table) get(k string) (uint32, bool) {
	for s := t.home(k); ; s = (s + 1) & (len(t.slots) - 1) {
		e := t.slots[s]
		if e == 0 {
			return 0, false
		}
		if t.key(int(e-1)) == k {
			return t.val[e-1], true
		}
	}
}

// len is the number of entries.
func (t *table) len() int { return len(t.val) }
