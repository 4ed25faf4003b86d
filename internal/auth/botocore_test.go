package auth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// botocoreScript signs requests with botocore's own signers at t0 and prints
// them as JSON: [{name, method, url, headers, body}].
const botocoreScript = `
import datetime, json, sys
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

akid, secret, host = sys.argv[1], sys.argv[2], sys.argv[3]
auth.get_current_datetime = lambda *a, **k: datetime.datetime(2026, 11, 21, 5, 0, 0)
creds = Credentials(akid, secret)
out = []

def emit(name, req):
    body = req.body or b''
    if isinstance(body, str):
        body = body.encode()
    out.append({'name': name, 'method': req.method, 'url': req.url,
                'headers': [[k, v] for k, v in req.headers.items()], 'body': body.decode()})

r = AWSRequest(method='POST', url='http://%s/' % host,
               data=b'{"trailNameList":["a b"],"includeShadowTrails":true}',
               headers={'Content-Type': 'application/x-amz-json-1.1',
                        'X-Amz-Target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails',
                        'X-Amz-Meta-Spaces': 'a \t  b'})
auth.SigV4Auth(creds, 'cloudtrail', 'us-east-1').add_auth(r)
emit('cloudtrail header', r)

r = AWSRequest(method='POST', url='http://%s/' % host, data=b'Action=ListUsers&Version=2010-05-08',
               headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
auth.SigV4Auth(creds, 'iam', 'us-east-1').add_auth(r)
emit('iam header', r)

r = AWSRequest(method='GET', url='http://%s/a%%20b//./c/../d?x=%%E2%%9C%%93&a=1' % host)
auth.SigV4Auth(creds, 'execute-api', 'eu-west-1').add_auth(r)
emit('normalised path', r)

r = AWSRequest(method='GET', url='http://%s/?Action=GetCallerIdentity&Version=2011-06-15' % host)
auth.SigV4QueryAuth(creds, 'sts', 'us-east-1', expires=60).add_auth(r)
emit('sts presigned', r)

r = AWSRequest(method='GET', url='http://%s/bucket/dir%%20x/%%C3%%BC%%2Bplus.txt?versionId=v1' % host)
auth.S3SigV4QueryAuth(creds, 's3', 'us-east-1', expires=3600).add_auth(r)
emit('s3 presigned', r)

r = AWSRequest(method='PUT', url='http://%s/bucket/key%%20one' % host, data=b'hello s3')
auth.S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(r)
emit('s3 header', r)

json.dump(out, sys.stdout)
`

type botoReq struct {
	Name, Method, URL, Body string
	Headers                 [][2]string
}

func TestBotocoreSigned(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if exec.Command(py, "-c", "import botocore").Run() != nil {
		t.Skip("botocore not installed")
	}
	out, err := exec.Command(py, "-c", botocoreScript, testAKID, testSecret, testHost).Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var reqs []botoReq
	if err := json.Unmarshal(out, &reqs); err != nil {
		t.Fatalf("botocore output: %v\n%s", err, out)
	}
	if len(reqs) != 6 {
		t.Fatalf("got %d requests from botocore", len(reqs))
	}
	v := newTestVerifier(t0.Add(30 * time.Second))
	for _, b := range reqs {
		t.Run(b.Name, func(t *testing.T) {
			body := []byte(b.Body)
			r, err := http.NewRequest(b.Method, b.URL, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range b.Headers {
				r.Header.Add(h[0], h[1])
			}
			sr := serverView(t, r, body)
			if _, _, err := v.Verify(sr, body); err != nil {
				t.Fatalf("Verify: %v\n%s %s\n%v", err, sr.Method, sr.RequestURI, sr.Header)
			}
			// The same request with one signed byte changed must fail.
			bad := serverView(t, r, body)
			if strings.Contains(b.Name, "presigned") {
				bad.URL.RawQuery = strings.Replace(bad.URL.RawQuery, "X-Amz-Date=20261121T050000Z", "X-Amz-Date=20261121T050001Z", 1)
			} else {
				bad.Header.Set("X-Amz-Date", "20261121T050001Z")
			}
			if _, _, err := v.Verify(bad, body); kindOf(err) != KindBadSignature {
				t.Fatalf("tampered X-Amz-Date: %v", err)
			}
		})
	}
}
