// Package resident lets go of the memory pages of data embedded in the binary once it has been read.
//
// parley embeds its models (the sentiment layers, 10.6 MB; the sentiment model, 2.6 MB; the threat
// model and the built-in examples' embeddings) and reads each once, at load, into the form it computes
// with. The pages read stay resident as part of the executable's mapping for the life of the process
// — about 15 MB that a worker's memory budget pays for nothing. Drop tells the kernel they need not
// stay: they are never written, so if they are read again they come back from the executable.
package resident

// Drop lets go of the pages wholly inside b, data embedded in the binary and never written (on Linux;
// elsewhere it does nothing). b stays readable.
func Drop(b []byte) { drop(b) }
