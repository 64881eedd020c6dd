package transcribe

import (
	"context"
	"slices"
)

// Steady sound — hold music, a tone, a hum — is not speech, though the voice detector's energy rule
// takes it for speech. Its cepstra barely change from one frame to the next, while speech changes with
// every sound it makes: over a second of voiced frames, the mean squared change of the cepstra is at
// most 197 for the labelled calls' hold music and at least 228 for their speech.
const (
	steadySound      = 212 // mean cepstral change below which a second of frames is steady sound
	steadyShortSound = 170 // the same for a region of under a second of voiced frames
	minSoundFrames   = 5   // fewer voiced frames in a region than this: not judged
	soundPrint       = printFrames
	soundPrintHop    = printHop
	speechPadFrames  = voicePad // kept around speech where steady sound is cut away
)

// flux is the mean squared change of the cepstra of the given frames from the frame before each.
func flux(c *cepstra, frames []int) float64 {
	var f float64
	for _, i := range frames {
		f += float64(c.delta[i])
	}
	return f / float64(max(1, len(frames)))
}

// withoutSteadySound takes steady sound out of channel c's speech regions: each region's voiced frames
// (a second of them at least) are judged a second at a time (every half second; a frame is sound when more of the seconds over it
// are steady than not), the regions are cut around the stretches of sound — keeping speechPadFrames
// of pad at the cut — and a region that is all sound is dropped. Regions of a channel whose cepstra
// were not measured come back as they are.
func (v VAD) withoutSteadySound(l *levels, c int, regions []Region) []Region {
	ceps := l.ceps[c]
	if ceps == nil || len(regions) == 0 {
		return regions
	}
	voicedIn := v.voiced(l, c)
	var out []Region
	for _, r := range regions {
		voiced := voicedIn(r)
		votes := make([]int, len(voiced)) // seconds of steady sound over a frame, less seconds of speech
		switch {
		case len(voiced) < minSoundFrames:
		case len(voiced) < soundPrint:
			// Under a second, judged whole and more strictly: a short word ("Thanks.") changes less
			// over its few frames than speech over a second (short speech regions of the labelled
			// calls: 204 and up; a burst of hold music between noise: 149), and a word lost is worse
			// than a burst of music sent.
			if flux(ceps, voiced) < steadyShortSound {
				for i := range votes {
					votes[i] = 1
				}
			}
		default:
			for a := 0; ; a += soundPrintHop {
				b := min(a+soundPrint, len(voiced))
				a = min(a, b-soundPrint) // the last second ends with the region
				vote := -1
				if flux(ceps, voiced[a:b]) < steadySound {
					vote = 1
				}
				for i := a; i < b; i++ {
					votes[i] += vote
				}
				if b == len(voiced) {
					break
				}
			}
		}
		if !slices.ContainsFunc(votes, func(v int) bool { return v > 0 }) {
			out = append(out, r)
			continue
		}
		// Runs of speech frames between the stretches of sound; the region's own edges are kept where
		// no sound lies between them and the speech.
		for i := 0; i < len(voiced); {
			if votes[i] > 0 {
				i++
				continue
			}
			j := i
			for j < len(voiced) && votes[j] <= 0 {
				j++
			}
			start, end := r.Start, r.End
			if i > 0 {
				start = max(r.Start, (voiced[i]-speechPadFrames)*l.frame)
			}
			if j < len(voiced) {
				end = min(r.End, (voiced[j-1]+1+speechPadFrames)*l.frame)
			}
			if len(out) > 0 && start <= out[len(out)-1].End {
				out[len(out)-1].End = max(out[len(out)-1].End, end)
			} else if end > start {
				out = append(out, Region{start, end})
			}
			i = j
		}
	}
	return out
}

// SpeechRegions is the speech of channel c of decoded audio that the pipeline gives the recogniser: the
// voice detector's regions without steady sound, in samples of the audio.
func SpeechRegions(ctx context.Context, a *Audio, c int, v VAD) ([]Region, error) {
	v = v.withDefaults()
	lv, err := measure(ctx, audioSource{a}, v.Frame, nil)
	if err != nil {
		return nil, err
	}
	return v.withoutSteadySound(lv, c, v.speech(lv, c)), nil
}

// voiced returns, for channel c (whose cepstra l measured), what lists a region's voiced frames: those
// above the voice detector's threshold, by frame number.
func (v VAD) voiced(l *levels, c int) func(Region) []int {
	n := min(l.frames(), l.ceps[c].frames())
	db := l.channelDB(c)[:n]
	threshold := v.withDefaults().threshold(slices.Sorted(slices.Values(db)))
	return func(r Region) []int {
		var out []int
		for i := r.Start / l.frame; i < min(n, (r.End+l.frame-1)/l.frame); i++ {
			if db[i] >= threshold {
				out = append(out, i)
			}
		}
		return out
	}
}
