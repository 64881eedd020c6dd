package transcribe

import (
	"math"

	"github.com/parley-cc/parley"
)

// DiarizeMode says which channels the pipeline looks for more than one voice on.
type DiarizeMode string

const (
	DiarizeMono DiarizeMode = "mono" // the channel of a mono recording (the default)
	DiarizeAll  DiarizeMode = "all"  // every channel: conferences and transfers on one side of a stereo call
	DiarizeOff  DiarizeMode = "off"  // none: one speaker per channel
)

// ParseDiarizeMode reads a configured mode ("" is DiarizeMono).
func ParseDiarizeMode(s string) (DiarizeMode, error) {
	switch m := DiarizeMode(s); m {
	case "":
		return DiarizeMono, nil
	case DiarizeMono, DiarizeAll, DiarizeOff:
		return m, nil
	}
	return "", parley.Errorf(parley.CodeConfig, "diarize %q: want mono, all or off", s)
}

// track is what one stream of recognised text is about: a whole channel (voice 0), or one voice of a
// diarized channel (1, 2, …), with its speech regions in samples of the source.
type track struct {
	channel, voice int
	speech         []Region
	// opening: the track's first speech region is read in a window of its own, with the vocabulary
	// prompt (the agent's greeting, where the company's and the agent's names are said).
	opening bool
}

// wholeChannels are the tracks of a recording recognised channel by channel, without the voice detector.
func wholeChannels(n int, active []bool) []track {
	var out []track
	for c := range n {
		if active[c] {
			out = append(out, track{channel: c})
		}
	}
	return out
}

// diarized marks the channels to look for several voices on; none without the voice detector.
func (p *Pipeline) diarized(channels int) []bool {
	out := make([]bool, channels)
	for c := range out {
		switch p.Diarize {
		case DiarizeAll:
			out[c] = true
		case DiarizeOff:
		default:
			out[c] = channels == 1
		}
	}
	return out
}

// speechTracks finds the speech of the active channels and, on those marked diarize, splits it among
// the voices found; a diarized channel is described in the result whether it had one voice or more.
func (p *Pipeline) speechTracks(lv *levels, active, diarize []bool) ([]track, []parley.Diarization) {
	var tracks []track
	var dz []parley.Diarization
	for c := range active {
		if !active[c] {
			continue
		}
		speech := p.VAD.withoutSteadySound(lv, c, p.VAD.speech(lv, c))
		if !diarize[c] {
			tracks = append(tracks, track{channel: c, speech: speech})
			continue
		}
		d := p.Diarizer.split(lv, c, *p.VAD, speech)
		dz = append(dz, parley.Diarization{Channel: c, Voices: d.Speakers, Separation: round2(d.Separation), Purity: round2(d.Purity), Gain: round2(d.Gain)})
		if d.Speakers < 2 {
			tracks = append(tracks, track{channel: c, speech: speech})
			continue
		}
		for v := range d.Speakers {
			tk := track{channel: c, voice: v + 1}
			for _, vc := range d.Voices {
				if vc.Speaker == v {
					tk.speech = append(tk.speech, vc.Region)
				}
			}
			tracks = append(tracks, tk)
		}
	}
	return tracks, dz
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
