// Package transcribe turns call recordings into timed, per-speaker transcripts: WAV decoding (PCM, float,
// G.711 µ-law and A-law), resampling to 16 kHz, channel split and role mapping, recognition through a
// parley.Transcriber, and merging both channels into turns.
package transcribe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/go-audio/wav"

	"github.com/parley-cc/parley"
)

// WAV format tags (the wFormatTag field of the fmt chunk).
const (
	formatPCM        = 0x0001
	formatFloat      = 0x0003
	formatALaw       = 0x0006
	formatMuLaw      = 0x0007
	formatExtensible = 0xFFFE
)

// Sample rates outside this range are refused as corrupt: no telephony or studio recorder writes them.
const (
	minSampleRate = 4000
	maxSampleRate = 384000
)

var formatNames = map[uint16]string{
	0x0002: "Microsoft ADPCM", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0040: "G.721 ADPCM",
	0x0050: "MPEG", 0x0055: "MP3", 0x0064: "G.726 ADPCM", 0x0161: "WMA",
}

// Audio is decoded audio: one slice of samples in [-1, 1] per channel.
type Audio struct {
	SampleRate int
	Encoding   string
	Channels   [][]float32
}

// Duration is the length of the audio.
func (a *Audio) Duration() time.Duration {
	if a.SampleRate == 0 || len(a.Channels) == 0 {
		return 0
	}
	return samplesToDuration(len(a.Channels[0]), a.SampleRate)
}

func samplesToDuration(n, rate int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

// DecodeOptions limit what DecodeWAV accepts.
type DecodeOptions struct {
	// MaxDuration refuses longer recordings before their samples are read (0: no limit).
	MaxDuration time.Duration
	// MaxChannels refuses recordings with more channels (0: 2, stereo; at most MaxChannelsLimit).
	MaxChannels int
}

// MaxChannelsLimit is the most channels a recording may have: one speaker per channel (agent, customer,
// a supervisor or third party…); a recorder that writes more is mixing something else into the file.
const MaxChannelsLimit = 8

// DecodeWAV decodes a WAV file of size bytes into memory. Every refusal is a *parley.Error with one of
// the Code* constants, so that a batch can report it and move on.
func DecodeWAV(r io.ReadSeeker, size int64, opt DecodeOptions) (*Audio, error) {
	w, err := OpenWAV(r, size, opt)
	if err != nil {
		return nil, err
	}
	a := &Audio{SampleRate: w.SampleRate, Encoding: w.Encoding, Channels: make([][]float32, w.NumChannels)}
	for c := range a.Channels {
		a.Channels[c] = make([]float32, w.Frames)
	}
	if err := w.ReadFrames(0, a.Channels); err != nil {
		return nil, err
	}
	return a, nil
}

// WAVReader reads the samples of a WAV file whose header OpenWAV has checked, by range, so that a
// recording need not be held in memory whole.
type WAVReader struct {
	SampleRate  int
	NumChannels int
	Encoding    string
	Frames      int // sample frames (one sample per channel) in the data chunk

	r         io.ReadSeeker
	dataStart int64
	pos       int // the frame r is at
	frameSize int
	bps       int
	conv      func([]byte) float32
	buf       []byte
}

// Duration is the length of the recording.
func (w *WAVReader) Duration() time.Duration { return samplesToDuration(w.Frames, w.SampleRate) }

// ReadFrames decodes the frames [from, from+len(dst[0])) into dst, one slice per channel (a nil slice
// skips its channel).
func (w *WAVReader) ReadFrames(from int, dst [][]float32) error {
	n := 0
	for _, d := range dst {
		n = max(n, len(d))
	}
	if from < 0 || from+n > w.Frames || len(dst) != w.NumChannels {
		return fmt.Errorf("read frames %d–%d of %d (%d channels of %d)", from, from+n, w.Frames, len(dst), w.NumChannels)
	}
	if from != w.pos {
		if _, err := w.r.Seek(w.dataStart+int64(from)*int64(w.frameSize), io.SeekStart); err != nil {
			return parley.WrapError(parley.CodeIO, err, "seek")
		}
		w.pos = from
	}
	for f := 0; f < n; {
		want := min(len(w.buf)/w.frameSize, n-f)
		if _, err := io.ReadFull(w.r, w.buf[:want*w.frameSize]); err != nil {
			w.pos = -1 // unknown: seek next time
			return parley.WrapError(parley.CodeTruncatedData, err, "read samples at frame %d of %d", from+f, w.Frames)
		}
		for c, d := range dst {
			if d == nil {
				continue
			}
			off := c * w.bps
			for i := range want {
				d[f+i] = w.conv(w.buf[i*w.frameSize+off : i*w.frameSize+off+w.bps])
			}
		}
		f += want
		w.pos += want
	}
	return nil
}

// OpenWAV checks the header of a WAV file of size bytes and returns a reader of its samples. Every
// refusal is a *parley.Error with one of the Code* constants.
func OpenWAV(r io.ReadSeeker, size int64, opt DecodeOptions) (*WAVReader, error) {
	if size == 0 {
		return nil, parley.Errorf(parley.CodeEmptyFile, "the file is empty (0 bytes)")
	}
	var head [12]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, parley.WrapError(parley.CodeIO, err, "read header")
	}
	switch {
	case n >= 4 && string(head[:4]) == "RF64":
		return nil, parley.Errorf(parley.CodeUnsupportedFormat, "RF64 (64-bit WAV) is not supported; convert to WAV")
	case n < 12 && bytes.HasPrefix([]byte("RIFF"), head[:min(n, 4)]):
		return nil, parley.Errorf(parley.CodeTruncatedHeader, "the file ends after %d bytes, inside the RIFF header", n)
	case n < 12 || string(head[:4]) != "RIFF" || string(head[8:12]) != "WAVE":
		return nil, parley.Errorf(parley.CodeNotWAV, "no RIFF/WAVE signature (starts with %q)", printable(head[:n]))
	}
	riffSize := int64(binary.LittleEndian.Uint32(head[4:8]))

	fmtBody, err := scanChunks(r, size)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, parley.WrapError(parley.CodeIO, err, "seek")
	}
	d := wav.NewDecoder(r)
	if err := d.FwdToPCM(); err != nil || d.PCMChunk == nil || d.NumChans == 0 {
		return nil, parley.Errorf(parley.CodeTruncatedHeader, "the file ends (at %d bytes) before the fmt and data chunks are complete", size)
	}
	dataStart, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, parley.WrapError(parley.CodeIO, err, "seek")
	}

	tag := d.WavAudioFormat
	if tag == formatExtensible {
		// The real format is in the first two bytes of the SubFormat GUID, which the WAV reader skips.
		if len(fmtBody) < 40 {
			return nil, parley.Errorf(parley.CodeBadHeader, "WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes (needs 40)", len(fmtBody))
		}
		tag = binary.LittleEndian.Uint16(fmtBody[24:26])
	}
	channels, rate, bits := int(d.NumChans), int(d.SampleRate), int(d.BitDepth)
	enc, err := encodingOf(tag, bits)
	if err != nil {
		return nil, err
	}
	maxChannels := opt.MaxChannels
	if maxChannels <= 0 {
		maxChannels = 2
	}
	maxChannels = min(maxChannels, MaxChannelsLimit)
	if channels > maxChannels {
		what := "mono (1) or stereo (2)"
		switch {
		case maxChannels == 1:
			what = "mono only"
		case maxChannels > 2:
			what = fmt.Sprintf("up to %d channels", maxChannels)
		}
		return nil, parley.Errorf(parley.CodeUnsupportedChannels, "%d channels; parley takes %s, one speaker per channel (max_channels)", channels, what)
	}
	if rate == 0 {
		return nil, parley.Errorf(parley.CodeBadSampleRate, "sample rate is 0 Hz")
	}
	if rate < minSampleRate || rate > maxSampleRate {
		return nil, parley.Errorf(parley.CodeBadSampleRate, "sample rate %d Hz is outside %d–%d Hz", rate, minSampleRate, maxSampleRate)
	}
	frameSize := channels * bits / 8

	// The data chunk's size decides how much to read. Live recorders that never finished their header
	// leave 0 or 0xFFFFFFFF (which the RIFF reader rounds to 0): then the data runs to the end of file.
	available := size - dataStart
	dataSize := int64(d.PCMSize)
	if dataSize == available+1 {
		dataSize = available // the RIFF reader counts the pad byte of an odd-sized chunk; it may be absent at EOF
	}
	streaming := dataSize == 0 || riffSize == 0 || riffSize == 0xFFFFFFFF
	switch {
	case dataSize == 0:
		dataSize = available
	case dataSize > available && !streaming && dataStart+dataSize > riffSize+8:
		return nil, parley.Errorf(parley.CodeBadChunkSize, "data chunk declares %d bytes, more than the %d the RIFF header holds (file is %d bytes)", dataSize, riffSize+8-dataStart, size)
	case dataSize > available:
		return nil, parley.Errorf(parley.CodeTruncatedData, "data chunk declares %d bytes but the file ends after %d of them (%.0f%%): cut off during recording or upload?", dataSize, available, 100*float64(available)/float64(dataSize))
	}
	frames := int(dataSize / int64(frameSize))
	dur := samplesToDuration(frames, rate)
	if opt.MaxDuration > 0 && dur > opt.MaxDuration {
		return nil, parley.Errorf(parley.CodeTooLong, "%s long, over the maximum of %s (max_duration)", dur.Round(time.Second), opt.MaxDuration)
	}
	if frames == 0 {
		return nil, parley.Errorf(parley.CodeTruncatedData, "the data chunk holds no complete sample frame")
	}

	return &WAVReader{SampleRate: rate, NumChannels: channels, Encoding: enc, Frames: frames,
		r: r, dataStart: dataStart, pos: 0, frameSize: frameSize, bps: bits / 8, conv: sampleConverter(enc),
		buf: make([]byte, 64*1024/frameSize*frameSize)}, nil
}

// encodingOf names the sample encoding of a format tag and bit depth, or refuses it.
func encodingOf(tag uint16, bits int) (string, error) {
	switch tag {
	case formatPCM:
		switch bits {
		case 8:
			return "pcm_u8", nil
		case 16, 24, 32:
			return fmt.Sprintf("pcm_s%dle", bits), nil
		}
		return "", parley.Errorf(parley.CodeUnsupportedFormat, "%d-bit integer PCM (parley takes 8, 16, 24 or 32 bits)", bits)
	case formatFloat:
		if bits == 32 || bits == 64 {
			return fmt.Sprintf("float%d", bits), nil
		}
		return "", parley.Errorf(parley.CodeBadHeader, "%d-bit IEEE float (only 32 or 64 exist)", bits)
	case formatMuLaw, formatALaw:
		name := map[uint16]string{formatMuLaw: "mulaw", formatALaw: "alaw"}[tag]
		if bits != 8 {
			return "", parley.Errorf(parley.CodeBadHeader, "G.711 %s with %d bits per sample (must be 8)", name, bits)
		}
		return name, nil
	}
	if name, ok := formatNames[tag]; ok {
		return "", parley.Errorf(parley.CodeUnsupportedFormat, "%s (format tag 0x%04x) is not decoded; convert to PCM, µ-law or A-law WAV", name, tag)
	}
	return "", parley.Errorf(parley.CodeUnsupportedFormat, "unknown WAV format tag 0x%04x", tag)
}

// Limits of the structural scan: a fmt chunk is 16–40 bytes in practice, and LIST metadata a few KiB.
const (
	maxFmtChunk  = 1 << 10
	maxListChunk = 1 << 20
)

// scanChunks walks the RIFF chunks that precede the data chunk and checks every declared size against
// the file, including the sub-chunks of LIST metadata, before the WAV reader sees them: it allocates what
// a chunk claims, so a corrupt size would otherwise cost gigabytes. It returns the body of the fmt chunk.
func scanChunks(r io.ReadSeeker, size int64) ([]byte, error) {
	var fmtBody []byte
	var hdr [8]byte
	for off := int64(12); ; {
		if off+8 > size {
			where := "fmt"
			if fmtBody != nil {
				where = "data"
			}
			return nil, parley.Errorf(parley.CodeTruncatedHeader, "the file ends (at %d bytes) before the %s chunk", size, where)
		}
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return nil, parley.WrapError(parley.CodeIO, err, "seek")
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, parley.WrapError(parley.CodeIO, err, "read chunk header")
		}
		id, n := string(hdr[:4]), int64(binary.LittleEndian.Uint32(hdr[4:]))
		if id == "data" {
			if fmtBody == nil {
				return nil, parley.Errorf(parley.CodeBadHeader, "data chunk before the fmt chunk")
			}
			return fmtBody, nil
		}
		if off+8+n > size {
			if fmtBody == nil {
				return nil, parley.Errorf(parley.CodeTruncatedHeader, "%q chunk declares %d bytes but the file ends after %d", printable(hdr[:4]), n, size-off-8)
			}
			return nil, parley.Errorf(parley.CodeBadChunkSize, "%q chunk declares %d bytes, more than the %d left in the file", printable(hdr[:4]), n, size-off-8)
		}
		switch id {
		case "fmt ":
			if n < 16 || n > maxFmtChunk {
				return nil, parley.Errorf(parley.CodeBadHeader, "fmt chunk is %d bytes (a valid one has 16 to 40)", n)
			}
			fmtBody = make([]byte, n)
			if _, err := io.ReadFull(r, fmtBody); err != nil {
				return nil, parley.WrapError(parley.CodeIO, err, "read fmt chunk")
			}
		case "LIST":
			if n > maxListChunk {
				return nil, parley.Errorf(parley.CodeBadChunkSize, "LIST metadata chunk of %d bytes (limit %d)", n, maxListChunk)
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return nil, parley.WrapError(parley.CodeIO, err, "read LIST chunk")
			}
			for p := 4; p+8 <= len(body); {
				sub := int(binary.LittleEndian.Uint32(body[p+4:]))
				if sub > len(body)-p-8 {
					return nil, parley.Errorf(parley.CodeBadChunkSize, "LIST entry %q declares %d bytes, more than its chunk holds", printable(body[p:p+4]), sub)
				}
				p += 8 + sub + sub%2
			}
		}
		off += 8 + n + n%2
	}
}

// sampleConverter returns the function that turns one little-endian sample into [-1, 1].
func sampleConverter(enc string) func([]byte) float32 {
	switch enc {
	case "pcm_u8":
		return func(b []byte) float32 { return (float32(b[0]) - 128) / 128 }
	case "pcm_s16le":
		return func(b []byte) float32 { return float32(int16(binary.LittleEndian.Uint16(b))) / 32768 }
	case "pcm_s24le":
		return func(b []byte) float32 {
			v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
			return float32(v) / 8388608
		}
	case "pcm_s32le":
		return func(b []byte) float32 { return float32(float64(int32(binary.LittleEndian.Uint32(b))) / 2147483648) }
	case "float32":
		return func(b []byte) float32 {
			return clampSample(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		}
	case "float64":
		return func(b []byte) float32 { return clampSample(math.Float64frombits(binary.LittleEndian.Uint64(b))) }
	case "mulaw":
		return func(b []byte) float32 { return muLawTable[b[0]] }
	case "alaw":
		return func(b []byte) float32 { return aLawTable[b[0]] }
	}
	panic("transcribe: no converter for " + enc)
}

// clampSample keeps float samples finite and within [-1, 1]: some writers overshoot, a corrupt file may
// hold NaN.
func clampSample(v float64) float32 {
	switch {
	case math.IsNaN(v):
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return float32(v)
}

// G.711 expansion tables (ITU-T G.711), scaled to [-1, 1].
var muLawTable, aLawTable [256]float32

func init() {
	for i := range 256 {
		muLawTable[i] = float32(muLawDecode(byte(i))) / 32768
		aLawTable[i] = float32(aLawDecode(byte(i))) / 32768
	}
}

func muLawDecode(u byte) int16 {
	u = ^u
	t := (int(u&0x0F) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func aLawDecode(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b[:min(len(b), 8)] {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out = append(out, c)
	}
	return string(out)
}
