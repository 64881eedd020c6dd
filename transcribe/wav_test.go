package transcribe

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// wavBytes builds a WAV file: fmt chunk (extensible when sub != 0), an optional extra chunk before
// data, and the data chunk with the given size field (-1: the real size).
func wavBytes(tag uint16, channels, rate, bits int, sub uint16, data []byte, dataSizeField int64) []byte {
	var fmtc bytes.Buffer
	le := func(v any) { binary.Write(&fmtc, binary.LittleEndian, v) }
	le(tag)
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	if tag == formatExtensible {
		le(uint16(22))
		le(uint16(bits))
		le(uint32(3))
		le(sub)
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(4 + 8 + fmtc.Len() + 8 + 4 + 8 + len(data)))
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	w(uint32(fmtc.Len()))
	b.Write(fmtc.Bytes())
	b.WriteString("LIST") // a chunk the decoder must skip
	w(uint32(4))
	b.WriteString("INFO")
	b.WriteString("data")
	if dataSizeField < 0 {
		dataSizeField = int64(len(data))
	}
	w(uint32(dataSizeField))
	b.Write(data)
	return b.Bytes()
}

// TestMuLawRoundTrip checks the tests' µ-law encoder against the decoder: every code decodes and
// encodes back to itself (but the two zeros, which encode to one).
func TestMuLawRoundTrip(t *testing.T) {
	for u := range 256 {
		v := float64(muLawDecode(byte(u))) / 32768
		if got := muLawEncode(v); got != byte(u) && !(v == 0 && got == 0xFF) {
			t.Errorf("code 0x%02x → %v → 0x%02x", u, v, got)
		}
	}
}

// patch32 overwrites a little-endian uint32 at off.
func patch32(b []byte, off int, v uint32) []byte {
	binary.LittleEndian.PutUint32(b[off:], v)
	return b
}

// listEntryWav is a WAV whose LIST/INFO chunk holds one INAM entry declaring entrySize bytes.
func listEntryWav(entrySize uint32) []byte {
	b := wavBytes(formatPCM, 1, 8000, 16, 0, le16(1, 2), -1)
	// wavBytes puts an empty LIST/INFO chunk (12 bytes) at offset 36; rebuild it with one entry.
	entry := append([]byte("INFOINAM"), 0, 0, 0, 0, 'x', 0)
	binary.LittleEndian.PutUint32(entry[8:], entrySize)
	out := append([]byte{}, b[:36]...)
	out = append(out, "LIST"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(entry)))
	out = append(out, entry...)
	out = append(out, b[48:]...)
	return patch32(out, 4, uint32(len(out)-8))
}

func decodeBytes(t *testing.T, b []byte, opt DecodeOptions) (*Audio, error) {
	t.Helper()
	return DecodeWAV(bytes.NewReader(b), int64(len(b)), opt)
}

func le16(v ...int16) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

func TestDecodeFormats(t *testing.T) {
	f32 := func(v ...float32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, v)
		return b.Bytes()
	}
	f64 := func(v ...float64) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, v)
		return b.Bytes()
	}
	tests := []struct {
		name     string
		tag, sub uint16
		channels int
		bits     int
		data     []byte
		encoding string
		want     [][]float32
	}{
		{"pcm u8 is unsigned around 128", formatPCM, 0, 1, 8, []byte{128, 255, 0, 64}, "pcm_u8", [][]float32{{0, 127.0 / 128, -1, -0.5}}},
		{"pcm s16", formatPCM, 0, 1, 16, le16(0, 16384, -32768, 32767), "pcm_s16le", [][]float32{{0, 0.5, -1, 32767.0 / 32768}}},
		{"pcm s16 stereo interleaved", formatPCM, 0, 2, 16, le16(16384, -16384, 0, 8192), "pcm_s16le", [][]float32{{0.5, 0}, {-0.5, 0.25}}},
		{"pcm s24", formatPCM, 0, 1, 24, []byte{0x00, 0x00, 0x40, 0x00, 0x00, 0xC0, 0xFF, 0xFF, 0xFF}, "pcm_s24le", [][]float32{{0.5, -0.5, -1.0 / 8388608}}},
		{"pcm s32", formatPCM, 0, 1, 32, []byte{0, 0, 0, 0x40, 0, 0, 0, 0x80}, "pcm_s32le", [][]float32{{0.5, -1}}},
		{"float32 clamped and NaN-free", formatFloat, 0, 1, 32, f32(0.25, -0.75, 1.5, float32(math.NaN())), "float32", [][]float32{{0.25, -0.75, 1, 0}}},
		{"float64", formatFloat, 0, 1, 64, f64(0.125, -0.5), "float64", [][]float32{{0.125, -0.5}}},
		// G.711: 0xFF and 0x7F are µ-law zero; 0x80 is the largest positive, 0x00 the largest negative.
		{"mulaw", formatMuLaw, 0, 1, 8, []byte{0xFF, 0x7F, 0x80, 0x00}, "mulaw", [][]float32{{0, 0, 32124.0 / 32768, -32124.0 / 32768}}},
		// A-law: 0xD5 and 0x55 are the smallest magnitudes (±8), 0xAA and 0x2A the largest (±32256).
		{"alaw", formatALaw, 0, 1, 8, []byte{0xD5, 0x55, 0xAA, 0x2A}, "alaw", [][]float32{{8.0 / 32768, -8.0 / 32768, 32256.0 / 32768, -32256.0 / 32768}}},
		{"extensible pcm s16", formatExtensible, formatPCM, 1, 16, le16(16384), "pcm_s16le", [][]float32{{0.5}}},
		{"extensible float32", formatExtensible, formatFloat, 1, 32, f32(-0.25), "float32", [][]float32{{-0.25}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := decodeBytes(t, wavBytes(tt.tag, tt.channels, 8000, tt.bits, tt.sub, tt.data, -1), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Encoding != tt.encoding || a.SampleRate != 8000 {
				t.Errorf("encoding %s rate %d, want %s 8000", a.Encoding, a.SampleRate, tt.encoding)
			}
			if len(a.Channels) != len(tt.want) {
				t.Fatalf("%d channels, want %d", len(a.Channels), len(tt.want))
			}
			for c := range tt.want {
				if len(a.Channels[c]) != len(tt.want[c]) {
					t.Fatalf("channel %d: %d samples, want %d", c, len(a.Channels[c]), len(tt.want[c]))
				}
				for i, w := range tt.want[c] {
					if d := math.Abs(float64(a.Channels[c][i] - w)); d > 1e-6 {
						t.Errorf("channel %d sample %d = %v, want %v", c, i, a.Channels[c][i], w)
					}
				}
			}
		})
	}
}

func TestDecodeStreamingHeader(t *testing.T) {
	// Live recorders write 0 or 0xFFFFFFFF as sizes until they finish; the data then runs to EOF.
	for _, size := range []int64{0, 0xFFFFFFFF} {
		b := wavBytes(formatPCM, 1, 8000, 16, 0, le16(1, 2, 3, 4), size)
		a, err := decodeBytes(t, b, DecodeOptions{})
		if err != nil {
			t.Fatalf("data size %#x: %v", size, err)
		}
		if len(a.Channels[0]) != 4 {
			t.Errorf("data size %#x: %d samples, want 4", size, len(a.Channels[0]))
		}
	}
}

func TestDecodeRefusals(t *testing.T) {
	pcm := le16(make([]int16, 800)...)
	tests := []struct {
		name string
		wav  []byte
		opt  DecodeOptions
		code string
	}{
		{"odd bits", wavBytes(formatPCM, 1, 8000, 12, 0, pcm, -1), DecodeOptions{}, parley.CodeUnsupportedFormat},
		{"float16", wavBytes(formatFloat, 1, 8000, 16, 0, pcm, -1), DecodeOptions{}, parley.CodeBadHeader},
		{"mulaw 16 bit", wavBytes(formatMuLaw, 1, 8000, 16, 0, pcm, -1), DecodeOptions{}, parley.CodeBadHeader},
		{"mp3 in wav", wavBytes(0x0055, 1, 8000, 16, 0, pcm, -1), DecodeOptions{}, parley.CodeUnsupportedFormat},
		{"zero channels", wavBytes(formatPCM, 0, 8000, 16, 0, pcm, -1), DecodeOptions{}, parley.CodeTruncatedHeader},
		{"three channels", wavBytes(formatPCM, 3, 8000, 16, 0, le16(make([]int16, 300)...), -1), DecodeOptions{}, parley.CodeUnsupportedChannels},
		{"stereo, mono only", wavBytes(formatPCM, 2, 8000, 16, 0, pcm, -1), DecodeOptions{MaxChannels: 1}, parley.CodeUnsupportedChannels},
		{"nine channels", wavBytes(formatPCM, 9, 8000, 16, 0, le16(make([]int16, 900)...), -1), DecodeOptions{MaxChannels: 9}, parley.CodeUnsupportedChannels},
		{"rate too high", wavBytes(formatPCM, 1, 1_000_000, 16, 0, pcm, -1), DecodeOptions{}, parley.CodeBadSampleRate},
		{"over max duration", wavBytes(formatPCM, 1, 8000, 16, 0, pcm, -1), DecodeOptions{MaxDuration: 50 * time.Millisecond}, parley.CodeTooLong},
		{"no whole frame", wavBytes(formatPCM, 2, 8000, 16, 0, []byte{1, 2}, -1), DecodeOptions{}, parley.CodeTruncatedData},
		{"LIST larger than file", patch32(wavBytes(formatPCM, 1, 8000, 16, 0, pcm, -1), 40, 0xFFFFFFF0), DecodeOptions{}, parley.CodeBadChunkSize},
		{"LIST entry larger than LIST", listEntryWav(0xFFFFFFF0), DecodeOptions{}, parley.CodeBadChunkSize},
		{"fmt chunk cut short", wavBytes(formatPCM, 1, 8000, 16, 0, pcm, -1)[:30], DecodeOptions{}, parley.CodeTruncatedHeader},
		{"no data chunk", wavBytes(formatPCM, 1, 8000, 16, 0, pcm, -1)[:48], DecodeOptions{}, parley.CodeTruncatedHeader},
		{"rf64", append([]byte("RF64"), make([]byte, 60)...), DecodeOptions{}, parley.CodeUnsupportedFormat},
		{"riff prefix only", []byte("RIF"), DecodeOptions{}, parley.CodeTruncatedHeader},
		{"short junk", []byte("ab"), DecodeOptions{}, parley.CodeNotWAV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeBytes(t, tt.wav, tt.opt)
			if got := parley.ErrorCode(err); got != tt.code {
				t.Errorf("error %v (code %q), want code %q", err, got, tt.code)
			}
		})
	}
}

// TestBadFiles runs every file of testdata/bad (made by testdata/generate.sh) through the decoder.
func TestBadFiles(t *testing.T) {
	tests := []struct {
		file string
		code string // "" means the file must decode
	}{
		{"empty.wav", parley.CodeEmptyFile},
		{"text-renamed.wav", parley.CodeNotWAV},
		{"truncated-header.wav", parley.CodeTruncatedHeader},
		{"truncated-data.wav", parley.CodeTruncatedData},
		{"chunk-size-past-eof.wav", parley.CodeBadChunkSize},
		{"six-channels.wav", parley.CodeUnsupportedChannels},
		{"sample-rate-zero.wav", parley.CodeBadSampleRate},
		{"ima-adpcm.wav", parley.CodeUnsupportedFormat},
		{"too-long.wav", parley.CodeTooLong},
		// 8-bit PCM is unsigned, unlike every other depth: it must decode centred on zero, not refused.
		{"pcm-8bit.wav", ""},
	}
	entries, err := os.ReadDir("../testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(tests) {
		t.Errorf("testdata/bad has %d files, the table %d: every bad file needs its expected error", len(entries), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("../testdata/bad", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			a, err := decodeBytes(t, b, DecodeOptions{MaxDuration: 10 * time.Second})
			if got := parley.ErrorCode(err); got != tt.code {
				t.Fatalf("error %v (code %q), want %q", err, got, tt.code)
			}
			if err != nil {
				if len(err.Error()) < len(tt.code)+15 {
					t.Errorf("message %q says too little", err)
				}
				return
			}
			var sum float64
			for _, v := range a.Channels[0] {
				sum += float64(v)
			}
			if mean := sum / float64(len(a.Channels[0])); math.Abs(mean) > 0.01 {
				t.Errorf("mean %v: 8-bit samples decoded with the wrong offset", mean)
			}
		})
	}
}

func TestDecodeTestdataCalls(t *testing.T) {
	files, _ := filepath.Glob("../testdata/calls/*.wav")
	if len(files) < 3 {
		t.Fatalf("want at least 3 testdata calls, found %d", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err := decodeBytes(t, b, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if a.Encoding != "mulaw" || a.SampleRate != 8000 || len(a.Channels) != 2 {
			t.Errorf("%s: %s %d Hz %d channels, want mulaw 8000 Hz stereo", f, a.Encoding, a.SampleRate, len(a.Channels))
		}
		if peakDBFS(a.Channels[0]) < -20 || peakDBFS(a.Channels[1]) < -20 {
			t.Errorf("%s: a channel is nearly silent", f)
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(wavBytes(formatPCM, 1, 8000, 16, 0, le16(1, 2, 3), -1))
	f.Add(wavBytes(formatExtensible, 2, 44100, 32, formatFloat, make([]byte, 16), -1))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeBytes(t, b, DecodeOptions{MaxDuration: time.Minute})
		if err == nil && (len(a.Channels) < 1 || len(a.Channels) > 2) {
			t.Fatalf("decoded %d channels", len(a.Channels))
		}
		if err != nil && parley.ErrorCode(err) == parley.CodeInternal {
			t.Fatalf("unnamed error: %v", err)
		}
	})
}

// FuzzDecodeG711 decodes µ-law and A-law recordings with any channel count, rate and data: every
// sample is in [-1, 1], the channels are of one length, and a refusal has a name.
func FuzzDecodeG711(f *testing.F) {
	f.Add(uint16(formatMuLaw), uint8(2), uint32(8000), []byte{0x00, 0xff, 0x7f, 0x80, 0x01})
	f.Add(uint16(formatALaw), uint8(1), uint32(8000), []byte{0xd5, 0x55, 0x2a})
	f.Add(uint16(formatMuLaw), uint8(3), uint32(0), []byte{})
	f.Fuzz(func(t *testing.T, tag uint16, channels uint8, rate uint32, data []byte) {
		if tag%2 == 0 {
			tag = formatALaw
		} else {
			tag = formatMuLaw
		}
		b := wavBytes(tag, int(channels), int(rate), 8, 0, data, -1)
		a, err := decodeBytes(t, b, DecodeOptions{MaxDuration: time.Hour})
		if err != nil {
			if parley.ErrorCode(err) == parley.CodeInternal {
				t.Fatalf("unnamed error: %v", err)
			}
			return
		}
		n := len(a.Channels[0])
		for c, ch := range a.Channels {
			if len(ch) != n {
				t.Fatalf("channel %d has %d samples, channel 0 %d", c, len(ch), n)
			}
			for i, v := range ch {
				if v < -1 || v > 1 || v != v {
					t.Fatalf("channel %d sample %d = %v", c, i, v)
				}
			}
		}
	})
}
