package ggml

import "testing"

func TestLoadFindsTheCPUBackend(t *testing.T) {
	for range 2 {
		if err := Load(); err != nil {
			t.Fatal(err)
		}
	}
}
