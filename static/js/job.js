// The import job page: while the job runs, reload the page every few seconds so progress and
// outcomes (rendered by the server) stay current; stop once it is finished.
const job = document.getElementById("job");
if (job && job.dataset.finished === "false") {
  const poll = async () => {
    try {
      const response = await fetch(job.dataset.jobApi, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (data.done !== Number(job.querySelector(".job-progress").textContent.split(" ")[0]) ||
            data.state === "done" || data.state === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The network failed for a moment; the next poll tries again.
    }
    window.setTimeout(poll, 3000);
  };
  window.setTimeout(poll, 3000);
}
