package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Moto's credentials are arbitrary; it does not check signatures.
const motoKey, motoSecret = "motokey", "motosecret"

// moto is a running moto_server, the third-party S3 the external backend is tested against.
type moto struct {
	t        *testing.T
	addr     string
	endpoint string
	cmd      *exec.Cmd
}

func startMotoAt(t *testing.T, addr string) *moto {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		if os.Getenv("CAIRN_SKIP_MOTO") == "1" {
			t.Skip("moto_server not installed and CAIRN_SKIP_MOTO=1")
		}
		t.Fatalf("moto_server is required for external-S3 tests (pip install 'moto[server]'): %v", err)
	}
	host, port, _ := net.SplitHostPort(addr)
	m := &moto{t: t, addr: addr, endpoint: "http://" + addr}
	m.cmd = exec.Command("moto_server", "-H", host, "-p", port)
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (m *moto) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	_ = m.cmd.Wait()
	m.cmd = nil
}

func (m *moto) client() *s3.Client { return s3Client(m.endpoint, motoKey, motoSecret) }

// Delivery to an external S3 (moto), then an outage: the error shows in
// GetTrailStatus while S3 is down, and the backlog is delivered once it is back.
func TestTrailDeliveryToExternalS3WithOutage(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	ctx := context.Background()
	mc := m.client()
	if _, err := mc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ext-logs")}); err != nil {
		t.Fatalf("create bucket in moto: %v", err)
	}
	s := startServer(t, "--delivery-interval", "1s", "--s3-endpoint", m.endpoint,
		"--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	stsc := sts.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))

	_, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("ext"), S3BucketName: aws.String("missing-bucket")})
	if apiCode(err) != "S3BucketDoesNotExistException" {
		t.Fatalf("CreateTrail on a bucket moto lacks: %v", err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("ext"), S3BucketName: aws.String("ext-logs"), S3KeyPrefix: aws.String("team")}); err != nil {
		t.Fatalf("CreateTrail: %v", err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("ext")}); err != nil {
		t.Fatal(err)
	}
	call := func() string {
		t.Helper()
		out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		return requestIDOf(out.ResultMetadata)
	}
	before := []string{call(), call()}
	files := waitLogs(t, s, mc, "ext-logs", "team/", "delivery to moto", func(fs []logFile) bool {
		got := requestIDs(fs)
		return got[before[0]] == 1 && got[before[1]] == 1
	})
	checkLayout(t, files, "team/")

	// Outage: moto goes away (and with it, its in-memory buckets).
	m.stop()
	during := []string{call(), call(), call()}
	deadline := time.Now().Add(30 * time.Second)
	var status *cloudtrail.GetTrailStatusOutput
	for {
		status, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("ext")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(status.LatestDeliveryError) != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no LatestDeliveryError during the outage: %+v", status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("during the outage GetTrailStatus reports LatestDeliveryError=%q", aws.ToString(status.LatestDeliveryError))

	// S3 comes back (a fresh moto on the same address, bucket recreated).
	m = startMotoAt(t, m.addr)
	mc = m.client()
	if _, err := mc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ext-logs")}); err != nil {
		t.Fatal(err)
	}
	files = waitLogs(t, s, mc, "ext-logs", "team/", "the backlog after the outage", func(fs []logFile) bool {
		got := requestIDs(fs)
		for _, id := range during {
			if got[id] != 1 {
				return false
			}
		}
		return true
	})
	checkLayout(t, files, "team/")
	byEventID(t, files)
	deadline = time.Now().Add(30 * time.Second)
	for {
		status, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("ext")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(status.LatestDeliveryError) == "" && status.LatestDeliveryTime != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after recovery: error %q", aws.ToString(status.LatestDeliveryError))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(s.logs.String(), "will retry") {
		t.Errorf("the server did not log the retried delivery")
	}
}
