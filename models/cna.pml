/* models: locks/cna.c sha256: 1dd27574e457226fa5846dfb1eed8e80248cc76fcd46df219df6721b4b9439f2 */
/* models: locks/mcs_queue.h sha256: 4b014e17a369dc7bdd58027c2cedc295fa8a3e3e92370b02e831fc12363776ff */
/* cna.pml — the compact NUMA-aware lock of locks/cna.c: its queue manipulation.
 *
 * Processes 0 .. N-2 are in cluster 0, process N-1 in cluster 1 (the remote one), so that two
 * processes of one cluster can pass the lock between them while the third waits.
 * State: `tail`; per node (process): nxt, granted, and what a holder is handed with the lock:
 * sec_head, sec_tail (the secondary queue) and streak (consecutive in-cluster handoffs).
 * The MCS steps are locks/mcs_queue.h's, named in brackets (granted is the node word q.wait);
 * the scans, the secondary queue and the grant with its fields are cna.c's own.
 * lock():   nxt = NIL; granted = 0 [mcsq_reset]; pred = exchange(tail, me) [mcsq_swap];
 *           pred == NIL: hold with an empty secondary queue and streak 0;
 *           else store(nxt[pred], me) [mcsq_link]; spin until granted [mcsq_spin_while(0)].
 * unlock(): next = nxt[me]; if NIL: CAS tail me -> sec_tail (NIL if empty) [mcsq_cas_tail]; on
 *           success grant the secondary head (if any) and return; else wait for the link
 *           [mcsq_wait_link, also find_remote's wait for a link]. A grant ends in the release
 *           store granted = 1 [mcsq_handoff].
 *           streak < BOUND: the first node of my cluster in the main queue (find_local), the
 *           remote ones in front of it appended to the secondary queue, gets the lock with
 *           streak + 1; none linked: leave (below).
 *           streak == BOUND, secondary empty: the first remote node up to the tail read now
 *           (find_remote, waiting for links), the local ones in front of it becoming the
 *           secondary queue; none: the next node, streak kept at BOUND.
 *           leave: secondary non-empty: its tail linked to next, its head granted, streak 0;
 *           else next granted (streak + 1 if it is local, else 0).
 * Abstractions: node addresses are process ids; cluster numbers are CL(p); BOUND stands for
 * CNA_BOUND (64 in the C file; 1 or 2 here: the protocol does not depend on its value, only the
 * length of the runs it allows); the holder's own fields (sec_*, streak) are accessed in d_step
 * blocks, as only the holder touches them and they travel with the release/acquire of granted;
 * trylock/timedlock (a CAS of tail from NIL, then hold fresh) is left out: it only ever takes an
 * empty queue, which lock() with pred == NIL covers; the LB_TEST_HOOKS turn is left out.
 *
 * Checked: mutual exclusion; the bound (assertion `runlen <= BOUND + 1`: `runlen` counts consecutive
 * entries within one cluster while a process of the other cluster has swapped itself in and
 * not yet entered: cluster_bound in cna.c); starvation freedom of every process.
 * BROKEN == 1: at the bound the streak restarts at 0 and the lock goes to the first local node
 *   as below it (no forced departure): the runlen grows past the bound (the bound assertion).
 * BROKEN == 2: leaving the cluster forgets the secondary queue (the next node is granted, the
 *   secondary head never is): a process moved there waits for ever, queued, so the run within
 *   the other cluster passes the bound (the bound assertion; its starvation claim fails too).
 */
#include "common.pml"

#ifndef BOUND
#define BOUND 1
#endif
#define NIL 255
#define CL(p) ((p) == N - 1)

byte tail = NIL;
byte nxt[N];
bool granted[N];
byte sec_head[N], sec_tail[N], streak[N];
bool queued[N]; /* ghost: swapped in, not yet entered */
byte last_cl = 2, runlen;

/* The values are read before any is written: hd and tl may be my own sec_head/sec_tail. */
inline grant(s, hd, tl, st)
{
	d_step {
		g = s; gh = hd; gt = tl; gs = st;
		sec_head[g] = gh; sec_tail[g] = gt; streak[g] = gs
	};
	granted[g] = 1
}

/* Append first..last to my secondary queue (holder-only fields: one step). */
inline append(first, last)
{
	d_step {
		if
		:: sec_tail[_pid] != NIL -> nxt[sec_tail[_pid]] = first
		:: else -> sec_head[_pid] = first
		fi;
		sec_tail[_pid] = last;
		nxt[last] = NIL
	}
}

/* Whether a process of another cluster than mine is queued. */
#define REMOTE_QUEUED(me) ((queued[0] && CL(0) != CL(me)) || (queued[1] && CL(1) != CL(me)) \
			   || (N > 2 && queued[N - 1] && CL(N - 1) != CL(me)))

active [N] proctype P()
{
	byte pred, next, last, cur, succ, end, g, gh, gt, gs;
	bool ok;
	do
	:: want[_pid] = 1;
		nxt[_pid] = NIL;
		granted[_pid] = 0;
		atomic { pred = tail; tail = _pid; queued[_pid] = 1 };
		if
		:: pred == NIL -> d_step { sec_head[_pid] = NIL; sec_tail[_pid] = NIL; streak[_pid] = 0 }
		:: else ->
			nxt[pred] = _pid;
			(granted[_pid])
		fi;
		d_step {
			if
			:: last_cl == CL(_pid) && REMOTE_QUEUED(_pid) -> runlen++
			:: else -> runlen = 0
			fi;
			assert(runlen <= BOUND + 1);
			last_cl = CL(_pid);
			queued[_pid] = 0
		};
		critical_section();
		/* unlock */
		next = nxt[_pid];
		if
		:: next == NIL ->
			atomic {
				if
#if BROKEN == 2
				:: tail == _pid -> tail = NIL; ok = 1
#else
				:: tail == _pid -> tail = sec_tail[_pid]; ok = 1
#endif
				:: else -> ok = 0
				fi
			};
			if
			:: ok ->
#if BROKEN != 2
				if
				:: sec_tail[_pid] != NIL -> grant(sec_head[_pid], NIL, NIL, 0)
				:: else
				fi;
#endif
				goto released
			:: else ->
				(nxt[_pid] != NIL);
				next = nxt[_pid]
			fi
		:: else
		fi;
#if BROKEN == 1
		if
		:: streak[_pid] >= BOUND -> streak[_pid] = 0
		:: else
		fi;
#endif
		if
		:: streak[_pid] < BOUND ->
			/* find_local */
			succ = NIL;
			if
			:: CL(next) == CL(_pid) -> succ = next
			:: else ->
				last = next;
				do
				:: cur = nxt[last];
					if
					:: cur == NIL -> break
					:: cur != NIL && CL(cur) == CL(_pid) ->
						append(next, last);
						succ = cur;
						break
					:: else -> last = cur
					fi
				od
			fi;
			if
			:: succ != NIL ->
				grant(succ, sec_head[_pid], sec_tail[_pid], streak[_pid] + 1);
				goto released
			:: else
			fi
		:: streak[_pid] >= BOUND && sec_head[_pid] == NIL ->
			/* find_remote */
			end = tail;
			succ = NIL;
			if
			:: CL(next) != CL(_pid) -> succ = next
			:: else ->
				last = next;
				do
				:: last == end -> break
				:: else ->
					(nxt[last] != NIL);
					cur = nxt[last];
					if
					:: CL(cur) != CL(_pid) ->
						append(next, last);
						succ = cur;
						break
					:: else -> last = cur
					fi
				od
			fi;
			if
			:: succ != NIL -> grant(succ, sec_head[_pid], sec_tail[_pid], 0)
			:: else -> grant(next, NIL, NIL, streak[_pid])
			fi;
			goto released
		:: else
		fi;
		/* leave the cluster */
		if
#if BROKEN != 2
		:: sec_head[_pid] != NIL ->
			nxt[sec_tail[_pid]] = next;
			grant(sec_head[_pid], NIL, NIL, 0)
#endif
		:: else ->
			if
			:: CL(next) == CL(_pid) -> grant(next, NIL, NIL, streak[_pid] + 1)
			:: else -> grant(next, NIL, NIL, 0)
			fi
		fi;
released:
		skip;
		d_step {
			pred = NIL; next = NIL; last = NIL; cur = NIL; succ = NIL; end = NIL; ok = 0;
			g = NIL; gh = NIL; gt = NIL; gs = 0
		}
	od
}
