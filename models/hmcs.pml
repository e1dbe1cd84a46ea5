/* models: locks/hmcs.c sha256: b73301a37e7b622401fe25ab46f0b55c12533bca9c9e7caaae47429a7a58eb7d */
/* hmcs.pml — HMCS, the two-level hierarchical MCS lock of locks/hmcs.c.
 *
 * Processes 0 .. N-2 are in cluster 0, process N-1 in cluster 1 (as cna.pml), so that two
 * processes of one cluster can pass the lock between them while the third waits.
 * State: per cluster c: ltail[c] (its local MCS queue), its global node gnext[c], granted[c];
 * gtail (the global MCS queue of cluster nodes, NIL for NULL); per process (its node): nxt[i],
 * status[i] = WAIT (0), 1..T (the passing count once holding) or AP (ACQUIRE_PARENT).
 * lock():    node_reset: store(nxt[me], NIL); store(status[me], WAIT);
 *            pred = exchange(ltail[c], me);
 *            if pred != NIL: store(nxt[pred], me); spin until s = load(status[me]) != WAIT;
 *              if s != AP: hold (a local pass);
 *            store(status[me], 1); global_acquire: cluster_reset: store(gnext[c], NIL);
 *              store(granted[c], 0); gpred = exchange(gtail, c);
 *              if gpred != NIL: store(gnext[gpred], c); spin until load(granted[c]).
 * trylock(): if load(ltail[c]) != NIL or load(gtail) != NIL: -EBUSY; node_reset;
 *            compare_exchange(ltail[c], NIL -> me), else -EBUSY; cluster_reset;
 *            compare_exchange(gtail, NIL -> c), else local_release and -EBUSY;
 *            store(status[me], 1).
 * unlock():  (-EPERM check: a private flag, always passes here: only holders unlock)
 *            count = load(status[me]); if count < T: next = load(nxt[me]);
 *              if next != NIL: store(status[next], count + 1); return;
 *            global_release: gn = load(gnext[c]); if NIL: compare_exchange(gtail, c -> NIL)
 *              returns on success, else spin until gn = load(gnext[c]) != NIL;
 *              store(granted[gn], 1);
 *            local_release: next = load(nxt[me]); if NIL: compare_exchange(ltail[c], me -> NIL)
 *              returns on success, else spin until next = load(nxt[me]) != NIL;
 *              store(status[next], AP).
 * Each round a process calls lock(), or, with TRYLOCK, lock() or trylock() (a failed trylock
 * ends the round). timedlock() polls trylock() (locks/deadline.h): TRYLOCK covers it.
 * Abstractions: node addresses are pids, cluster nodes cluster numbers; T stands for
 * HMCS_THRESHOLD (64 in the C file, 2 by default here: the protocol does not depend on its
 * value, only the length of the runs it allows); a spin loop is a blocking guard on its exit
 * condition, which once true stays true until the spinner moves (a status, link or grant is
 * written once per wait), so weak fairness sees the same runs; the LB_TEST_HOOKS turn is left
 * out.
 *
 * Checked: mutual exclusion; the cluster bound (cluster_bound = T - 1 in hmcs.c), as cna.pml
 * checks it: `runlen` counts consecutive entries within one cluster while a process of the
 * other cluster has swapped its cluster's node into the global queue and not yet entered (ghost
 * `gq`: hmcs.c's bound covers a waiter only from its cluster's global enqueue), and the
 * assertion is runlen <= cluster_bound + 1 (the holder in the cluster when the remote one
 * enqueues may enter after it); starvation freedom; with ROUNDS, no lost handoff: everyone
 * finishes and both levels end free (the `finished` assertion).
 * BROKEN == 1: unlock passes locally whenever a successor has linked, ignoring the threshold:
 *   the cluster keeps the lock past the bound (the bound assertion).
 * BROKEN == 2: unlock never releases the global level (it tells the local successor to acquire
 *   the parent all the same): the global queue holds the cluster's node for ever, and its next
 *   acquirer or the other cluster waits for ever (the `finished` assertion).
 * BROKEN == 3: a waiter told to acquire the parent takes it for a local pass and enters without
 *   the global level, which the other cluster may hold by then (mutual exclusion).
 */
#include "common.pml"

#ifndef T
#define T 2
#endif
#define NIL 255
#define WAIT 0
#define AP 15
#define CL(p) ((p) == N - 1)

byte ltail[2] = NIL;
byte gtail = NIL;
byte gnext[2] = NIL;
bool granted[2];
byte nxt[N];
byte status[N];
bool gq[N];           /* ghost: swapped its cluster's node in globally, not yet entered */
byte last_cl = 2, runlen;
byte finished;

/* Whether a process of another cluster than me waits at the global level. */
#define REMOTE_GQ(me) ((gq[0] && CL(0) != CL(me)) || (gq[1] && CL(1) != CL(me)) \
		       || (N > 2 && gq[N - 1] && CL(N - 1) != CL(me)))

inline local_release()
{
	next = nxt[_pid];
	if
	:: next == NIL ->
		atomic {
			if
			:: ltail[c] == _pid -> ltail[c] = NIL; ok = 1
			:: else -> ok = 0
			fi
		};
		if
		:: ok -> goto released
		:: else -> atomic { nxt[_pid] != NIL -> next = nxt[_pid] }
		fi
	:: else
	fi;
	status[next] = AP
}

active [N] proctype P()
{
	byte pred, next, s, gpred, gn, c = CL(_pid);
	bool ok;
#ifdef ROUNDS
	byte round;
#endif
	do
#ifdef ROUNDS
	:: round == ROUNDS -> break
	:: round < ROUNDS -> round++;
#else
	:: true ->
#endif
		if
		:: want[_pid] = 1;
			nxt[_pid] = NIL;
			status[_pid] = WAIT;
			atomic { pred = ltail[c]; ltail[c] = _pid };
			if
			:: pred != NIL ->
				nxt[pred] = _pid;
				atomic { status[_pid] != WAIT -> s = status[_pid] };
				if
#if BROKEN == 3
				:: true -> goto locked
#else
				:: s != AP -> goto locked
				:: else
#endif
				fi
			:: else
			fi;
			status[_pid] = 1;
			gnext[c] = NIL;
			granted[c] = 0;
			atomic { gpred = gtail; gtail = c; gq[_pid] = 1 };
			if
			:: gpred != NIL ->
				gnext[gpred] = c;
				granted[c]
			:: else
			fi;
locked:
			ok = 1
#ifdef TRYLOCK
		:: true ->
			if
			:: ltail[c] != NIL || gtail != NIL -> ok = 0
			:: else ->
				nxt[_pid] = NIL;
				status[_pid] = WAIT;
				atomic {
					if
					:: ltail[c] == NIL -> ltail[c] = _pid; ok = 1
					:: else -> ok = 0
					fi
				};
				if
				:: ok ->
					gnext[c] = NIL;
					granted[c] = 0;
					atomic {
						if
						:: gtail == NIL -> gtail = c; gq[_pid] = 1
						:: else -> ok = 0
						fi
					};
					if
					:: ok -> status[_pid] = 1
					:: else -> local_release()
					fi
				:: else
				fi
			fi
#endif
		fi;
		if
		:: ok ->
			d_step {
				if
				:: last_cl == CL(_pid) && REMOTE_GQ(_pid) -> runlen++
				:: else -> runlen = 0
				fi;
				assert(runlen <= T);   /* cluster_bound + 1 */
				last_cl = CL(_pid);
				gq[_pid] = 0
			};
			critical_section();
			/* unlock */
			s = status[_pid];
#if BROKEN == 1
			if
			:: true ->
#else
			if
			:: s < T ->
#endif
				next = nxt[_pid];
				if
				:: next != NIL -> status[next] = s + 1; goto released
				:: else
				fi
			:: else
			fi;
#if BROKEN != 2
			gn = gnext[c];
			if
			:: gn == NIL ->
				atomic {
					if
					:: gtail == c -> gtail = NIL; ok = 0
					:: else
					fi
				};
				if
				:: ok -> atomic { gnext[c] != NIL -> gn = gnext[c] }
				:: else
				fi
			:: else
			fi;
			if
			:: gn != NIL -> granted[gn] = 1
			:: else
			fi;
#endif
			local_release()
		:: else
		fi;
released:
		atomic { pred = NIL; next = NIL; s = 0; gpred = NIL; gn = NIL; ok = 0 }
	od
#ifdef ROUNDS
	; finished++
#endif
}

#ifdef ROUNDS
/* No lost handoff: when nothing can move, everyone has finished and both levels are free. */
active proctype end_check()
{
	timeout ->
	assert(finished == N && gtail == NIL && ltail[0] == NIL && ltail[1] == NIL)
}
#endif
