import type { PlainHandler } from '../server/http-app.js';
import { GRAPHQL_PATH, pathOf } from '../server/http-app.js';

/**
 * The GraphQL landing page for development: a small explorer (operation, variables,
 * Authorization header, schema browser, and subscriptions over graphql-ws) that is one
 * self-contained page. Apollo's own landing pages load Apollo Sandbox or the Explorer from a CDN
 * (embeddable-sandbox.cdn.apollographql.com), which does not work offline; this does.
 */
export function explorerPage(): PlainHandler {
  return (req, res) => {
    if (req.method !== 'GET' || pathOf(req) !== GRAPHQL_PATH) return Promise.resolve(false);
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const accept = String(req.headers.accept ?? '');
    // GET with a query is a GraphQL request; only a browser asking for HTML gets the page.
    if (url.searchParams.has('query') || !accept.includes('text/html')) {
      return Promise.resolve(false);
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(PAGE),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    });
    res.end(PAGE);
    return Promise.resolve(true);
  };
}

const EXAMPLES: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'List connectors': {
    query:
      'query Connectors {\n  connectors {\n    id name status statusReason verified\n    syncGroup { id name }\n    lastSuccessfulSyncAt\n  }\n}',
  },
  'Enter credentials': {
    query:
      'mutation Credentials($input: SetConnectorCredentialsInput!) {\n  setConnectorCredentials(input: $input) { id verified }\n}',
    variables: {
      input: { connectorId: '', tenantId: '', clientId: '', clientSecret: '' },
    },
  },
  'Verify connection': {
    query:
      'mutation Verify($id: ID!) {\n  verifyConnection(connectorId: $id) {\n    verified consentUrl\n    error { reason message }\n  }\n}',
    variables: { id: '' },
  },
  'Pick groups': {
    query:
      'query Groups($id: ID!) {\n  entraGroups(connectorId: $id, search: "Password Boss") {\n    edges { node { id displayName } }\n  }\n}',
    variables: { id: '' },
  },
  'Watch status (subscription)': {
    query:
      'subscription Status {\n  connectorStatusChanged { connectorId previousStatus status statusReason }\n}',
  },
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Entra connector hub: GraphQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center}
header h1{font-size:16px;margin:0;flex:1}
main{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px;height:calc(100vh - 70px)}
section{display:flex;flex-direction:column;gap:6px;min-height:0}
textarea,pre,input,select{font:13px ui-monospace,monospace;border:1px solid #ccd;border-radius:4px;padding:6px;background:#fff}
textarea{flex:1;resize:none}#vars{flex:0 0 120px}
pre{flex:1;margin:0;overflow:auto;white-space:pre-wrap}
button{background:#2b6cb0;color:#fff;border:0;border-radius:4px;padding:6px 14px;cursor:pointer}
label{font-size:12px;color:#556}
</style></head><body>
<header><h1>Entra connector hub: GraphQL explorer</h1>
<select id="examples"><option value="">Examples</option></select>
<button id="schema" type="button">Schema</button><button id="run" type="button">Run &#9654;</button></header>
<main><section>
<label for="auth">Authorization header (Bearer &lt;portal JWT&gt; from .dev/stack.json, or Connector &lt;token&gt;)</label>
<input id="auth" placeholder="Bearer eyJ...">
<label for="query">Operation</label><textarea id="query" spellcheck="false"></textarea>
<label for="vars">Variables (JSON)</label><textarea id="vars" spellcheck="false">{}</textarea>
</section><section><label>Result</label><pre id="out"></pre></section></main>
<script>
const EXAMPLES=${JSON.stringify(EXAMPLES)};
const $=(id)=>document.getElementById(id);
const store=(k,v)=>{try{v===undefined?0:localStorage.setItem(k,v);return localStorage.getItem(k)}catch(e){return null}};
$('auth').value=store('hub.auth')||'';$('query').value=store('hub.query')||EXAMPLES['List connectors'].query;
for(const name of Object.keys(EXAMPLES)){const o=document.createElement('option');o.textContent=name;$('examples').append(o)}
$('examples').onchange=(e)=>{const ex=EXAMPLES[e.target.value];if(!ex)return;$('query').value=ex.query;$('vars').value=JSON.stringify(ex.variables||{},null,2)};
let socket=null;
function show(v){$('out').textContent=typeof v==='string'?v:JSON.stringify(v,null,2)}
async function run(){
  store('hub.auth',$('auth').value);store('hub.query',$('query').value);
  let variables;try{variables=JSON.parse($('vars').value||'{}')}catch(e){return show('Variables are not valid JSON: '+e.message)}
  const query=$('query').value;const auth=$('auth').value.trim();
  if(socket){socket.close();socket=null}
  if(/^\\s*subscription\\b/.test(query))return subscribe(query,variables,auth);
  show('...');
  const r=await fetch(location.pathname,{method:'POST',headers:Object.assign({'content-type':'application/json'},auth?{authorization:auth}:{}),body:JSON.stringify({query,variables})});
  show(await r.json().catch(()=>'HTTP '+r.status));
}
function subscribe(query,variables,auth){
  const lines=[];socket=new WebSocket(location.href.replace(/^http/,'ws').split('?')[0],'graphql-transport-ws');
  socket.onopen=()=>socket.send(JSON.stringify({type:'connection_init',payload:auth?{authorization:auth}:{}}));
  socket.onmessage=(m)=>{const msg=JSON.parse(m.data);
    if(msg.type==='connection_ack'){socket.send(JSON.stringify({id:'1',type:'subscribe',payload:{query,variables}}));show('subscribed; waiting for events...')}
    else if(msg.type==='next'||msg.type==='error'){lines.unshift(msg.payload);show(lines)}
    else if(msg.type==='ping')socket.send(JSON.stringify({type:'pong'}))};
  socket.onclose=(e)=>{lines.unshift('closed ('+e.code+(e.reason?' '+e.reason:'')+')');show(lines)};
}
async function schema(){
  const q='{__schema{types{name kind description fields{name args{name type{...T}} type{...T}} inputFields{name type{...T}} enumValues{name}}}} fragment T on __Type{kind name ofType{kind name ofType{kind name ofType{kind name}}}}';
  const auth=$('auth').value.trim();
  const r=await fetch(location.pathname,{method:'POST',headers:Object.assign({'content-type':'application/json'},auth?{authorization:auth}:{}),body:JSON.stringify({query:q})});
  const body=await r.json();if(!body.data)return show(body);
  const t=(x)=>x.kind==='NON_NULL'?t(x.ofType)+'!':x.kind==='LIST'?'['+t(x.ofType)+']':x.name;
  show(body.data.__schema.types.filter(x=>!x.name.startsWith('__')).map(x=>{
    const kw={OBJECT:'type',INPUT_OBJECT:'input',ENUM:'enum',SCALAR:'scalar',UNION:'union',INTERFACE:'interface'}[x.kind];
    const doc=x.description?'# '+x.description.replace(/\\n/g,' ')+'\\n':'';
    const body=(x.fields||x.inputFields||[]).map(f=>'  '+f.name+(f.args&&f.args.length?'('+f.args.map(a=>a.name+': '+t(a.type)).join(', ')+')':'')+': '+t(f.type)).concat((x.enumValues||[]).map(v=>'  '+v.name));
    return doc+kw+' '+x.name+(body.length?' {\\n'+body.join('\\n')+'\\n}':'');
  }).join('\\n\\n'));
}
$('run').onclick=()=>run().catch(e=>show(String(e)));$('schema').onclick=()=>schema().catch(e=>show(String(e)));
document.addEventListener('keydown',(e)=>{if((e.ctrlKey||e.metaKey)&&e.key==='Enter')run().catch(err=>show(String(err)))});
</script></body></html>
`;
