#!/usr/bin/env python3
# Writes a synthetic trace for measuring the viewer at scale (docs/diagrams.md):
#   make_scale_trace.py COROUTINES EVENTS_PER_COROUTINE DISTINCT_FUNCTIONS > big.trace
# main spawns COROUTINES workers (DISTINCT_FUNCTIONS functions, one spawn site
# each), which all sleep and wake in rounds, then return.
import sys
n=int(sys.argv[1]); per=int(sys.argv[2]); fns=int(sys.argv[3])
out=sys.stdout
out.write('{"format":"canopy-trace","version":1,"clock":"sim","seed":1,"strategy":"random","program":"scale","scenario":null,"replay":"CANOPY_SEED=1 ./scale","time_unit":"ns"}\n')
seq=0; t=0
def ev(co, kind, rest):
    global seq
    out.write('{"seq":%d,"t":%d,"co":%d,"kind":"%s"%s}\n' % (seq, t, co, kind, rest)); seq+=1
ev(0,"object_open",',"object":1,"object_kind":"bundle"')
for i in range(1,n+1):
    ev(i,"spawn",',"parent":0,"bundle":1,"site":"scale.c:%d","fn":"f%d"' % (10 + (i-1)*fns//n, (i-1)*fns//n))
rounds=(per-2)//2
for r in range(rounds):
    t+=1000
    for i in range(1,n+1):
        ev(i,"block",',"reason":"msleep","object":0,"object_kind":"none","deadline_ms":null')
        ev(i,"wake",',"by":null,"err":null')
t+=1000
for i in range(1,n+1):
    ev(i,"exit",',"result":"returned"')
ev(0,"end",',"how":"returned","status":null,"signal":null,"report":null')
