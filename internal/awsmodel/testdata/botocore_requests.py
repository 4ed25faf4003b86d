"""Serializes a request for every operation of the services named on the
command line, with botocore's own serializers, in every protocol each service
accepts; prints one JSON object per line. TestResolveBotocoreRequests checks
that awsmodel resolves each to its operation.

Usage: python3 botocore_requests.py SERVICE...   (botocore service names)
"""
import botocore, botocore.session, botocore.serialize as ser, json, datetime, sys, urllib.parse, base64
svcs=sys.argv[1:]
sess=botocore.session.get_session()
def dummy(shape, depth=0):
    t=shape.type_name
    if t=='structure':
        if depth>6: return {}
        return {n: dummy(shape.members[n], depth+1) for n in shape.required_members}
    if t=='list': return []
    if t=='map': return {}
    if t=='string': return shape.enum[0] if shape.enum else 'x'
    if t=='blob': return b'x'
    if t=='boolean': return True
    if t in ('integer','long'): return 1
    if t in ('double','float'): return 1.0
    if t=='timestamp': return datetime.datetime(2020,1,1)
    return None
out=sys.stdout
print(json.dumps({'botocore':botocore.__version__}))
for s in svcs:
    sm=sess.get_service_model(s)
    protos=list(sm.metadata.get('protocols') or [sm.metadata['protocol']])
    if s=='sqs': protos.append('query')  # awsmodel's extraProtocols
    for p in protos:
        try:
            sz=ser.create_serializer(p, include_validation=False)
        except Exception as e:
            print("no serializer",s,p,e,file=sys.stderr); sys.exit(1)
        for opn in sm.operation_names:
            om=sm.operation_model(opn)
            params=dummy(om.input_shape) if om.input_shape else {}
            # greedy labels: give a slashy value
            if om.input_shape:
                for n,m in om.input_shape.members.items():
                    if m.serialization.get('location')=='uri' and n in params and '{%s+}'%m.serialization.get('name',n) in om.http.get('requestUri',''):
                        params[n]='a/b c'
            labels={}
            if om.input_shape:
                for n,m in om.input_shape.members.items():
                    if m.serialization.get('location')=='uri' and m.type_name in ('string','integer','long') and n in params:
                        labels[m.serialization.get('name',n)]=str(params[n])
            try:
                r=sz.serialize_to_request(params, om)
            except Exception as e:
                print("fail",s,p,opn,repr(e),file=sys.stderr); sys.exit(1)
            path=r['url_path']; q=''
            if '?' in path: path,q=path.split('?',1)
            qs=urllib.parse.urlencode(r['query_string'],doseq=True) if isinstance(r['query_string'],dict) else r['query_string']
            if qs: q = (q+'&'+qs) if q else qs
            body=r['body']
            if isinstance(body,dict): body=urllib.parse.urlencode(body,doseq=True)
            if isinstance(body,str): body=body.encode()
            if body is None: body=b''
            hdrs={k:(v.decode() if isinstance(v,bytes) else str(v)) for k,v in r['headers'].items()}
            out.write(json.dumps({'service':s,'protocol':p,'op':opn,'labels':labels,'method':r['method'],'path':path,'query':q,'headers':hdrs,'body':base64.b64encode(body if isinstance(body,bytes) else body.read()).decode()})+"\n")
