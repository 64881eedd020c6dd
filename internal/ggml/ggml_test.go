package ggml

import "testing"

func TestLoadFindsTheCPUBackend(t *testing.T) {
	if !Load() || !Load() {
		t.Fatal("no CPU backend: neither built in nor loaded from beside libggml")
	}
}
