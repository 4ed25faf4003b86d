package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestCrashLosesNoAcknowledgedEvent drives concurrent writes, kills the server
// with SIGKILL mid-stream, restarts it on the same data directory, and checks
// that every call that got a success response has its event (and its effect).
func TestCrashLosesNoAcknowledgedEvent(t *testing.T) {
	s := startServer(t)
	cfg := sdkConfig(s, testKey, testSecret, testRegion)
	iamc, stsc := iam.NewFromConfig(cfg), sts.NewFromConfig(cfg)

	var mu sync.Mutex
	acked := map[string]string{} // request id -> event name
	var users []string
	var stopping atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stopping.Load(); i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if w%4 == 0 {
					name := fmt.Sprintf("crash-%d-%d", w, i)
					out, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
					if err == nil {
						id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
						mu.Lock()
						acked[id], users = "CreateUser", append(users, name)
						mu.Unlock()
					}
				} else {
					out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					if err == nil {
						id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
						mu.Lock()
						acked[id] = "GetCallerIdentity"
						mu.Unlock()
					}
				}
				cancel()
			}
		}(w)
	}
	// At least 2 s of load and 100 acknowledged calls (on a busy machine
	// that takes longer), then SIGKILL while the writers are still calling.
	for began := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 && time.Since(began) >= 2*time.Second {
			break
		}
		if time.Since(began) > 2*time.Minute {
			t.Fatalf("only %d calls acknowledged in 2 minutes", n)
		}
	}
	s.kill()
	stopping.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 100 {
		t.Fatalf("only %d calls acknowledged before the kill; load too light to mean anything", len(acked))
	}
	for id := range acked {
		if id == "" {
			t.Fatal("an acknowledged response carried no request id")
		}
	}

	s2 := startServerIn(t, s.data)
	ct := cloudtrail.NewFromConfig(sdkConfig(s2, testKey, testSecret, testRegion))
	recorded := map[string]string{}
	for _, name := range []string{"CreateUser", "GetCallerIdentity"} {
		for _, e := range lookupAll(t, ct, byAttr("EventName", name)) {
			r := parseRecord(t, e)
			recorded[r.RequestID] = r.EventName
		}
	}
	missing := 0
	for id, name := range acked {
		if recorded[id] != name {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged %s (request %s) has no event after the crash", name, id)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged calls lost", missing, len(acked))
	}
	// Effects that were acknowledged survived too.
	existing := map[string]bool{}
	p := iam.NewListUsersPaginator(iam.NewFromConfig(sdkConfig(s2, testKey, testSecret, testRegion)), &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			existing[aws.ToString(u.UserName)] = true
		}
	}
	for _, u := range users {
		if !existing[u] {
			t.Errorf("acknowledged user %s is gone after the crash", u)
		}
	}
	t.Logf("%d acknowledged calls (%d users) before SIGKILL; all recorded after restart (%d events found)", len(acked), len(users), len(recorded))
}
