package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Generator makes the events of one batch; each batch has its own
// deterministic RNG so batches can be generated independently.
type Generator struct {
	w        *World
	rng      *rand.Rand
	nameZipf *rand.Zipf
	userZipf *rand.Zipf
	resZipf  map[string]*rand.Zipf
}

// NewGenerator returns the generator of batch number batch.
func NewGenerator(w *World, seed, batch uint64) *Generator {
	rng := rand.New(rand.NewPCG(seed, batch))
	g := &Generator{
		w:        w,
		rng:      rng,
		nameZipf: rand.NewZipf(rng, eventNameSkew, 1, uint64(len(w.names)-1)),
		userZipf: rand.NewZipf(rng, userSkew, 1, uint64(len(w.users)-rareUsers-1)),
		resZipf:  map[string]*rand.Zipf{},
	}
	for typ, p := range w.pools {
		g.resZipf[typ] = rand.NewZipf(rng, resourceSkew, 1, uint64(len(p.names)-1))
	}
	return g
}

// Event makes the entry with the given seq and time.
func (g *Generator) Event(seq uint64, t time.Time) event.Entry {
	w, rng := g.w, g.rng
	r := rng.Float64()
	region := w.Regions[0]
	for i, c := range w.regionCDF {
		if r < c {
			region = w.Regions[i]
			break
		}
	}
	en := w.names[g.nameZipf.Uint64()]
	var u user
	userType, username := "IAMUser", ""
	switch p := rng.Float64(); {
	case p < rareUserProb:
		u = w.users[len(w.users)-rareUsers+rng.IntN(rareUsers)]
	case p < rareUserProb+rootProb:
		userType, username = "Root", "root"
		u = user{name: "root", keys: [2]string{w.users[0].keys[0], w.users[0].keys[0]}}
	default:
		u = w.users[g.userZipf.Uint64()]
	}
	if username == "" {
		username = u.name
	}
	key := u.keys[rng.IntN(2)]
	m := event.Meta{
		Time:        t,
		Account:     w.Account,
		Region:      region,
		EventID:     uuid(rng),
		EventName:   en.name,
		EventSource: en.source,
		Username:    username,
		AccessKeyID: key,
		ReadOnly:    en.readOnly,
		Management:  true,
		Category:    event.CategoryManagement,
	}
	if rng.Float64() < errorProb {
		m.ErrorCode = []string{"AccessDenied", "ThrottlingException", "NoSuchEntity", "ValidationException"}[rng.IntN(4)]
	}
	if pool := w.pools[en.resType]; pool != nil && rng.Float64() >= noResourceProb {
		n := 1
		if rng.Float64() < twoResProb {
			n = 2
		}
		for i := 0; i < n; i++ {
			var name string
			if en.creates && i == 0 && rng.Float64() < createResProb {
				name = pool.names[0][:min(len(pool.names[0]), 4)] + "new-" + randHex(rng, 16)
			} else {
				name = pool.names[g.resZipf[en.resType].Uint64()]
			}
			m.Resources = append(m.Resources, event.ResourceRef{Type: pool.typ, Name: name, ARN: pool.arn(region, name)})
		}
	}
	return event.Entry{Seq: seq, Meta: m, Record: g.record(&m, userType)}
}

// record renders a CloudTrail record of 800-1200 bytes for m.
func (g *Generator) record(m *event.Meta, userType string) []byte {
	rng := g.rng
	ro := m.ReadOnly
	mgmt := true
	svc := strings.TrimSuffix(m.EventSource, ".amazonaws.com")
	agent := g.w.agents[rng.IntN(len(g.w.agents))]
	if strings.Contains(agent, "%s") {
		agent = fmt.Sprintf(agent, svc)
	}
	params := map[string]any{}
	for _, r := range m.Resources {
		params[paramName(r.Type)] = r.Name
	}
	if strings.HasPrefix(m.EventName, "List") || strings.HasPrefix(m.EventName, "Describe") {
		params["maxResults"] = 100
	}
	rec := event.Record{
		EventVersion: event.Version,
		UserIdentity: event.UserIdentity{
			Type:        userType,
			PrincipalID: "AIDA" + strings.ToUpper(randHex(rng, 17)),
			ARN:         "arn:aws:iam::" + m.Account + ":user/" + m.Username,
			AccountID:   m.Account,
			AccessKeyID: m.AccessKeyID,
			UserName:    m.Username,
		},
		EventTime:          m.Time.UTC().Format(event.TimeFormat),
		EventSource:        m.EventSource,
		EventName:          m.EventName,
		AWSRegion:          m.Region,
		SourceIPAddress:    fmt.Sprintf("%d.%d.%d.%d", 10+rng.IntN(200), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)),
		UserAgent:          agent,
		RequestParameters:  json.RawMessage("null"),
		ResponseElements:   json.RawMessage("null"),
		RequestID:          uuid(rng),
		EventID:            m.EventID,
		ReadOnly:           &ro,
		EventType:          event.TypeAwsAPICall,
		ManagementEvent:    &mgmt,
		RecipientAccountID: m.Account,
		EventCategory:      m.Category,
		TLSDetails:         &event.TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: m.EventSource},
	}
	if m.Region != "us-east-1" {
		rec.TLSDetails.ClientProvidedHostHeader = svc + "." + m.Region + ".amazonaws.com"
	}
	if m.Username == "root" {
		rec.UserIdentity.ARN = "arn:aws:iam::" + m.Account + ":root"
		rec.UserIdentity.UserName = ""
	}
	if m.ErrorCode != "" {
		rec.ErrorCode = m.ErrorCode
		rec.ErrorMessage = "User: " + rec.UserIdentity.ARN + " is not authorized to perform: " + svc + ":" + m.EventName
	}
	for _, r := range m.Resources {
		rec.Resources = append(rec.Resources, event.Resource{ARN: r.ARN, AccountID: m.Account, Type: r.Type})
	}
	if !m.ReadOnly {
		rec.ResponseElements = json.RawMessage(`{"requestId":"` + rec.RequestID + `","return":true}`)
	}
	// A filter list pads the request to a realistic 800-1200 byte record.
	target := 800 + rng.IntN(401)
	for pass := 0; ; pass++ {
		rp, err := json.Marshal(params)
		if err != nil {
			panic(err)
		}
		rec.RequestParameters = rp
		b, err := json.Marshal(&rec)
		if err != nil {
			panic(err)
		}
		if pass == 1 || len(b) >= target {
			return b
		}
		var filters []map[string]any
		for n := (target - len(b)) / 75; n >= 0; n-- {
			filters = append(filters, map[string]any{
				"name":   "tag:" + []string{"Environment", "Team", "CostCenter", "Owner"}[rng.IntN(4)],
				"values": []string{randHex(rng, 6), randHex(rng, 8)},
			})
		}
		params["filterSet"] = filters
	}
}

// paramName turns AWS::EC2::Instance into instanceName.
func paramName(typ string) string {
	last := typ[strings.LastIndex(typ, ":")+1:]
	return strings.ToLower(last[:1]) + last[1:] + "Name"
}
