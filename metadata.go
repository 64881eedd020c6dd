package parley

import "time"

// Metadata is what the telephony platform knows about a call, from a sidecar <recording>.json or the
// file name. Fields the schema does not name are kept in Extra.
type Metadata struct {
	CallID         string     `json:"call_id,omitempty"`
	AgentID        string     `json:"agent_id,omitempty"`
	AgentName      string     `json:"agent_name,omitempty"`
	Team           string     `json:"team,omitempty"`
	Queue          string     `json:"queue,omitempty"`
	Direction      string     `json:"direction,omitempty"` // inbound or outbound
	StartedAt      *time.Time `json:"started_at,omitempty"`
	CallerIDHash   string     `json:"caller_id_hash,omitempty"` // the caller id is hashed on ingest, never stored
	Source         string     `json:"source,omitempty"`
	Campaign       string     `json:"campaign,omitempty"`
	TrackingNumber string     `json:"tracking_number,omitempty"`
	IVRPath        []string   `json:"ivr_path,omitempty"`
	Disposition    string     `json:"disposition,omitempty"`
	Transferred    *bool      `json:"transferred,omitempty"`
	Revenue        *float64   `json:"revenue,omitempty"`
	Cost           *float64   `json:"cost,omitempty"`
	// AgentVoice says which voice of a diarized mono recording is the agent's: 1 for the voice heard
	// first, 2 for the second (see Diarization); 0 leaves it to the words.
	AgentVoice int            `json:"agent_voice,omitempty"`
	Extra      map[string]any `json:"extra,omitempty"`
}

// Agent is how the call's agent is shown and grouped in reports: their name, else their id ("" for none
// or no metadata).
func (m *Metadata) Agent() string {
	if m == nil {
		return ""
	}
	if m.AgentName != "" {
		return m.AgentName
	}
	return m.AgentID
}
