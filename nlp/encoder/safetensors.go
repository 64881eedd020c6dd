package encoder

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// dtypeWidth is the bytes per value of each stored type parley reads.
var dtypeWidth = map[string]int{"F16": 2, "BF16": 2, "F32": 4}

// tensor is one tensor of a safetensors file: its shape (row-major, the last dimension varies fastest)
// and its stored bytes, decoded to float32 only when asked (floats), one tensor at a time, so that
// loading never holds a float32 copy of the whole model.
type tensor struct {
	shape []int
	dtype string
	raw   []byte
}

// halves returns the first n values (or all, when fewer) as float16 bits: a float16 tensor's as stored,
// others rounded.
func (t tensor) halves(n int) []uint16 {
	if t.dtype == "F16" {
		out := make([]uint16, min(n, len(t.raw)/2))
		for i := range out {
			out[i] = binary.LittleEndian.Uint16(t.raw[2*i:])
		}
		return out
	}
	width := dtypeWidth[t.dtype]
	head := tensor{shape: t.shape, dtype: t.dtype, raw: t.raw[:min(len(t.raw), n*width)]}
	var out []uint16
	for _, v := range head.floats() {
		out = append(out, floatToHalf(v))
	}
	return out
}

// floats decodes the tensor to float32.
func (t tensor) floats() []float32 {
	width := dtypeWidth[t.dtype]
	data := make([]float32, len(t.raw)/width)
	for i := range data {
		switch t.dtype {
		case "F16":
			data[i] = halfToFloat(binary.LittleEndian.Uint16(t.raw[2*i:]))
		case "BF16":
			data[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.raw[2*i:])) << 16)
		default:
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
		}
	}
	return data
}

// readSafetensors decodes a safetensors file: an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the bytes. F16, BF16 and F32 are read.
func readSafetensors(b []byte) (map[string]tensor, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%d bytes: too short for a safetensors header", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n == 0 || n > uint64(len(b)-8) || n > 100<<20 {
		return nil, fmt.Errorf("header length %d does not fit in a %d-byte file", n, len(b))
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	body := b[8+n:]
	names := make([]string, 0, len(hdr))
	for name := range hdr {
		if name != "__metadata__" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make(map[string]tensor, len(names))
	for _, name := range names {
		var info struct {
			Dtype   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets [2]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(hdr[name], &info); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		count := int64(1)
		for _, d := range info.Shape {
			if d < 0 || d > 1<<28 {
				return nil, fmt.Errorf("tensor %s: dimension %d", name, d)
			}
			count *= int64(d)
		}
		width := int64(dtypeWidth[info.Dtype])
		if width == 0 {
			return nil, fmt.Errorf("tensor %s: dtype %s (want F16, BF16 or F32)", name, info.Dtype)
		}
		lo, hi := info.Offsets[0], info.Offsets[1]
		if lo < 0 || hi < lo || hi > int64(len(body)) || hi-lo != count*width {
			return nil, fmt.Errorf("tensor %s: bytes %d–%d do not hold %d %s values in a %d-byte body", name, lo, hi, count, info.Dtype, len(body))
		}
		out[name] = tensor{shape: info.Shape, dtype: info.Dtype, raw: body[lo:hi]}
	}
	return out, nil
}

// halfToFloat converts an IEEE 754 half-precision value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		for frac&0x400 == 0 {
			frac <<= 1
			exp--
		}
		exp++
		frac &= 0x3ff
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// floatToHalf rounds a float32 to the nearest half-precision value (ties to even; no subnormal care
// needed for fingerprints, but handled).
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	frac := b & 0x7fffff
	switch {
	case exp >= 0x1f:
		if b&0x7fffffff > 0x7f800000 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		frac |= 0x800000
		shift := uint32(14 - exp)
		half := uint16(frac >> shift)
		if rem := frac & (1<<shift - 1); rem > 1<<(shift-1) || (rem == 1<<(shift-1) && half&1 == 1) {
			half++
		}
		return sign | half
	}
	half := sign | uint16(exp)<<10 | uint16(frac>>13)
	if rem := frac & 0x1fff; rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++
	}
	return half
}
