# Import circles among the modules of src/service and src/web: `python3 bench/circles.py src`
# prints the strongly connected components (none, when the layering holds).
import re, os, sys, itertools
root = sys.argv[1]
def modules(d):
    out = {}
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if f.endswith('.rs') and f != 'mod.rs':
            out[f[:-3]] = open(p).read()
        elif os.path.isdir(p):
            txt = ''
            for r, _, fs in os.walk(p):
                for x in fs:
                    if x.endswith('.rs'): txt += open(os.path.join(r, x)).read()
            out[f] = txt
    return out
for layer, prefix in [("service", "crate::service::"), ("web", "crate::web::")]:
    d = os.path.join(root, layer)
    mods = modules(d)
    g = {m: set() for m in mods}
    for m, txt in mods.items():
        for o in mods:
            if o == m: continue
            if re.search(r'\bsuper::' + o + r'\b', txt) or (prefix + o) in txt or re.search(r'use super::\{[^}]*\b' + o + r'\b', txt):
                g[m].add(o)
    # Tarjan SCC
    idx = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
    def sc(v):
        idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
        for w in g[v]:
            if w not in idx: sc(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: sccs.append(sorted(comp))
    for v in g:
        if v not in idx: sc(v)
    print(layer, "circles:", sccs)
