// The page's state: the list's (S) and the open flow's (D), shared by the modules that render and act on them.

export const S = {
  page: null,            // the latest page (its rows are what the list shows)
  prevPage: null,        // the one before, to fill rows while the next window's page is on its way
  total: 0,
  selected: new Set(),   // ids of the selected flows
  anchor: null,          // index where a Shift range starts
  cursor: null,          // index of the current row (keyboard moves from here)
  pendingIndex: null,    // an index selected before its row arrived; its id is taken from the next page
  rangeSeq: 0,
  filterSending: 0,      // PUT /api/options in flight
  filterBusy: false,     // the server's {"type":"filter","busy":true}
  filterError: null,
  lastSentFilter: null,
};

export const D = {
  id: null,
  flow: null,
  gone: false,           // the flow left the store
  error: null,           // why the flow could not be fetched
  tab: 'request',
  bodies: new Map(),     // content URL -> {state, bytes, type, error, status}
  modes: { request: 'auto', response: 'auto' },
  raw: { request: false, response: false },
  expanded: new Set(),   // expanded message rows ("tab:index")
  editing: null,         // {side, text, error} while the editor is open
};
