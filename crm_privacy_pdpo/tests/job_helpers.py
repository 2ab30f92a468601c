"""Running queued jobs (OCA queue_job) in a test transaction as the job
runner and its controller would: each pending job started, performed, done,
then the jobs it queued in turn (a chain of steps)."""

from odoo.addons.queue_job.job import Job


def pending_jobs(env, method=None):
    domain = [("state", "=", "pending")]
    if method:
        domain.append(("method_name", "=", method))
    return env["queue.job"].sudo().search(domain, order="id")


def run_jobs(env, method=None, limit=100):
    """Perform the pending jobs (of ``method``) until none is left; returns
    how many were performed."""
    done = 0
    while done < limit:
        record = pending_jobs(env, method)[:1]
        if not record:
            break
        job = Job.load(env, record.uuid)
        job.set_started()
        job.store()
        job.perform()
        job.set_done()
        job.store()
        env.flush_all()
        done += 1
    return done
