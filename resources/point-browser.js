/**
 * The point browser of the fd-read, fd-write and fd-cov edit dialogs (issue 20):
 * a browse button beside Device opens a panel that lists the devices the
 * deployed BBMD config node has seen, then a device's objects a page at a time,
 * and a click on an object fills Device, Object and Property.
 *
 * It talks to the admin routes of ../shared/CLIENT.md ("The point browser"):
 * GET bacnet-bbmd/:id/devices, POST bacnet-bbmd/:id/who-is and
 * GET bacnet-bbmd/:id/devices/:instance/objects. Every error the runtime
 * answers with is shown as its sentence. Node-RED serves this file at
 * resources/node-red-contrib-bacnet-fd/point-browser.js; each of the three
 * dialogs' html loads it, so it defines itself once.
 */
(function () {
    "use strict";
    if (window.bacnetFdPointBrowser) { return; }

    var PAGE = 50;              // objects per page (the route allows 1..100)
    var POLLS = 6;              // after a Who-Is: re-read the device list this many times…
    var POLL_MS = 1000;         // …this far apart (I-Ams arrive within a second or two)
    var NAME_REFRESHES = 3;     // names are read in the background: look again a few times
    var NAME_REFRESH_MS = 2000;
    var REQUEST_MS = 30000;     // an object page may need the device's lookup and reads
    var VALUE_CHARS = 60;

    /** A string of bacnet-bbmd's catalogue ("browser" key), where this package's strings live. */
    function t(key, options) {
        var k = "bacnet-bbmd.browser." + key;
        var def = RED.nodes.getType("bacnet-bbmd");
        return def && typeof def._ === "function" ? def._(k, options) : RED._("node-red-contrib-bacnet-fd/bacnet-bbmd:" + k, options);
    }

    var session = null; // the open dialog's browser: Node-RED edits one flow node at a time

    function icon(name) {
        return $("<i>").addClass("fa " + name);
    }

    function smallButton(faIcon, label, tip) {
        var b = $('<button type="button" class="red-ui-button red-ui-button-small">').append(icon(faIcon));
        if (label) { b.append(" ", $("<span>").text(label)); }
        if (tip) { b.attr("title", tip); }
        return b;
    }

    /** The panel's elements, inserted below the Device row and hidden until the button opens it. */
    function buildPanel() {
        var panel = $('<div class="form-row bacnet-fd-browser">').hide();
        var head = $('<div class="bacnet-fd-browser-head">').appendTo(panel);
        var ui = { panel: panel };
        ui.back = smallButton("fa-chevron-left", t("back")).addClass("bacnet-fd-browser-back").appendTo(head);
        ui.title = $('<span class="bacnet-fd-browser-title">').appendTo(head);
        ui.whoIs = smallButton("fa-bullhorn", t("whoIs"), t("whoIsTip")).addClass("bacnet-fd-browser-whois").appendTo(head);
        ui.refresh = smallButton("fa-refresh", "", t("refresh")).addClass("bacnet-fd-browser-refresh").appendTo(head);
        ui.close = smallButton("fa-times", "", t("close")).addClass("bacnet-fd-browser-close").appendTo(head);
        ui.status = $('<div class="bacnet-fd-browser-status" aria-live="polite">').appendTo(panel);
        ui.list = $('<div class="bacnet-fd-browser-list">').appendTo(panel);
        var pager = (ui.pager = $('<div class="bacnet-fd-browser-pager">').appendTo(panel));
        ui.prev = smallButton("fa-chevron-left", "", t("prev")).addClass("bacnet-fd-browser-prev").appendTo(pager);
        ui.range = $('<span class="bacnet-fd-browser-range">').appendTo(pager);
        ui.next = smallButton("fa-chevron-right", "", t("next")).addClass("bacnet-fd-browser-next").appendTo(pager);
        return ui;
    }

    /** The status line: a spinner with words, an error sentence, a hint, or nothing. */
    function status(s, kind, words) {
        s.ui.status.empty().removeClass("bacnet-fd-browser-error");
        if (!words) { return; }
        var faIcon = { loading: "fa-spinner fa-spin", error: "fa-exclamation-triangle", hint: "fa-info-circle" }[kind];
        s.ui.status.toggleClass("bacnet-fd-browser-error", kind === "error").append(icon(faIcon), " ", $("<span>").text(words));
    }

    /** What went wrong, in the runtime's own sentence when it sent one. */
    function reason(xhr, textStatus) {
        if (xhr.responseJSON && typeof xhr.responseJSON.error === "string") { return xhr.responseJSON.error; }
        if (xhr.status === 401 || xhr.status === 403) { return t("notAllowed"); }
        if (textStatus === "timeout") { return t("timeout"); }
        return t("failed", { status: xhr.status ? xhr.status + " " + xhr.statusText : textStatus });
    }

    /** One request of this session; its answer is dropped once the view has moved on or the dialog closed. */
    function request(s, method, url, done, fail) {
        var generation = s.generation;
        var xhr = $.ajax({ url: url, type: method, dataType: "json", timeout: REQUEST_MS, headers: { Accept: "application/json" } });
        s.xhrs.push(xhr);
        xhr.always(function () {
            s.xhrs = s.xhrs.filter(function (x) { return x !== xhr; });
        }).done(function (body) {
            if (generation === s.generation) { done(body || {}); }
        }).fail(function (x, textStatus) {
            if (textStatus !== "abort" && generation === s.generation) { fail(reason(x, textStatus), x.status); }
        });
    }

    /** Stops what the view started: the pending requests and the one scheduled re-read. */
    function quiet(s) {
        s.generation++;
        clearTimeout(s.timer);
        s.timer = null;
        s.xhrs.slice().forEach(function (x) { x.abort(); });
        s.xhrs = [];
    }

    function later(s, ms, fn) {
        clearTimeout(s.timer);
        var generation = s.generation;
        s.timer = setTimeout(function () {
            s.timer = null;
            if (generation === s.generation) { fn(); }
        }, ms);
    }

    function base(s) {
        return "bacnet-bbmd/" + encodeURIComponent(s.configId);
    }

    /** The config node chosen in the dialog now (not yet saved), or null. */
    function chosenConfig() {
        var id = $("#node-input-bbmd").val();
        return id && id !== "_ADD_" ? id : null;
    }

    /** A table with fixed column widths; rows are added by the caller. */
    function table(s, columns) {
        var t = $('<table class="bacnet-fd-browser-table">');
        var group = $("<colgroup>").appendTo(t);
        var head = $("<tr>").appendTo($("<thead>").appendTo(t));
        columns.forEach(function (c) {
            $("<col>").css("width", c.width || "auto").appendTo(group);
            $("<th>").text(c.label).attr("title", c.label).appendTo(head);
        });
        s.ui.list.empty().append(t);
        return $("<tbody>").appendTo(t);
    }

    function cell(row, words, muted, title) {
        var td = $("<td>").text(words).appendTo(row);
        td.attr("title", title || words);
        if (muted) { td.addClass("bacnet-fd-browser-muted"); }
        return td;
    }

    /** A clickable row: mouse, or Enter and Space once focused. */
    function clickable(row, action) {
        row.attr("tabindex", "0").on("click", action).on("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); action(); }
        });
    }

    function address(d) {
        var a = d.address + (d.port === undefined || d.port === null ? "" : ":" + d.port);
        if (d.network !== undefined && d.network !== null) {
            a += " " + t("routed", { network: d.network, mac: d.mac === undefined || d.mac === null ? "" : d.mac });
        }
        return a;
    }

    /** A present-value for the table: numbers to 7 significant digits (a REAL's), objects as short JSON. */
    function value(v) {
        if (v === undefined) { return ""; }
        if (typeof v === "number") { return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7))); }
        var words = typeof v === "string" ? v : JSON.stringify(v);
        return words.length > VALUE_CHARS ? words.slice(0, VALUE_CHARS - 1) + "…" : words;
    }

    // ---- the device list ----

    function showDevices(s) {
        quiet(s);
        s.view = "devices";
        s.ui.back.hide();
        s.ui.whoIs.show().prop("disabled", false);
        s.ui.pager.hide();
        s.ui.title.text(t("devices"));
        s.ui.list.empty();
        s.configId = chosenConfig();
        if (!s.configId) { status(s, "error", t("noConfig")); return; }
        s.polls = 0;
        s.nameRefreshes = NAME_REFRESHES;
        status(s, "loading", t("loading"));
        loadDevices(s);
    }

    function loadDevices(s) {
        request(s, "GET", base(s) + "/devices", function (body) {
            var devices = Array.isArray(body.devices) ? body.devices : [];
            renderDevices(s, devices);
            if (s.polls > 0) {
                s.polls--;
                later(s, POLL_MS, function () { loadDevices(s); });
                return;
            }
            s.ui.whoIs.prop("disabled", false);
            status(s, "hint", devices.length === 0 ? t("noDevices") : t("pickDevice"));
            var unnamed = devices.some(function (d) { return d.name === null || d.name === undefined; });
            if (unnamed && s.nameRefreshes > 0) {
                s.nameRefreshes--;
                later(s, NAME_REFRESH_MS, function () { loadDevices(s); });
            }
        }, function (words) {
            s.ui.whoIs.prop("disabled", false);
            status(s, "error", words);
        });
    }

    function renderDevices(s, devices) {
        if (devices.length === 0) { s.ui.list.empty(); return; } // the status line says so
        var body = table(s, [
            { label: t("instance"), width: "64px" },
            { label: t("name") },
            { label: t("address"), width: "42%" },
            { label: t("vendor"), width: "60px" }
        ]);
        devices.forEach(function (d) {
            var row = $('<tr class="bacnet-fd-browser-device">').attr("data-instance", d.instance).appendTo(body);
            cell(row, String(d.instance));
            var named = typeof d.name === "string";
            cell(row, named ? d.name : t("nameUnknown"), !named);
            cell(row, address(d));
            cell(row, d.vendorId === undefined ? "" : String(d.vendorId));
            clickable(row, function () { showObjects(s, d, 0); });
        });
    }

    /** Who-Is, then the device list re-read every second a few times as the I-Ams arrive. */
    function whoIs(s) {
        if (!s.configId) { showDevices(s); return; }
        quiet(s);
        s.ui.whoIs.prop("disabled", true);
        status(s, "loading", t("whoIsSent"));
        request(s, "POST", base(s) + "/who-is", function () {
            s.polls = POLLS - 1;
            s.nameRefreshes = NAME_REFRESHES;
            later(s, POLL_MS, function () { loadDevices(s); });
        }, function (words, code) {
            s.ui.whoIs.prop("disabled", false);
            status(s, "error", words);
            // Too soon after the last one: its I-Ams are in the list already.
            if (code === 429) { s.polls = 0; s.nameRefreshes = 0; loadDevices(s); }
        });
    }

    // ---- a device's objects ----

    function showObjects(s, device, offset) {
        quiet(s);
        s.view = "objects";
        s.device = device;
        s.offset = offset;
        s.ui.back.show();
        s.ui.whoIs.hide();
        s.ui.title.text(t("device", { instance: device.instance }) + (typeof device.name === "string" ? " · " + device.name : ""))
            .attr("title", s.ui.title.text());
        var key = device.instance + "/" + offset;
        if (s.pages[key]) { renderObjects(s, s.pages[key]); return; }
        s.ui.pager.hide();
        s.ui.list.empty();
        status(s, "loading", t("loadingObjects"));
        var url = base(s) + "/devices/" + encodeURIComponent(device.instance) + "/objects?offset=" + offset + "&limit=" + PAGE;
        request(s, "GET", url, function (body) {
            var page = { total: Number(body.total) || 0, objects: Array.isArray(body.objects) ? body.objects : [] };
            s.pages[key] = page;
            renderObjects(s, page);
        }, function (words) {
            status(s, "error", words);
        });
    }

    function renderObjects(s, page) {
        var body = table(s, [
            { label: t("object"), width: "29%" },
            { label: t("name") },
            { label: t("presentValue"), width: "15%" },
            { label: t("units"), width: "25%" }
        ]);
        page.objects.forEach(function (o) {
            var row = $('<tr class="bacnet-fd-browser-object">').attr("data-object", o.object).appendTo(body);
            cell(row, o.object);
            cell(row, typeof o.name === "string" ? o.name : "", false);
            var hasValue = Object.prototype.hasOwnProperty.call(o, "presentValue");
            cell(row, value(o.presentValue), false, hasValue ? JSON.stringify(o.presentValue) : "");
            cell(row, typeof o.units === "string" ? o.units : "");
            clickable(row, function () { pick(s, s.device.instance, o, hasValue); });
        });
        var last = Math.min(s.offset + page.objects.length, page.total);
        s.ui.range.text(page.total === 0 ? "" : t("range", { from: s.offset + 1, to: last, total: page.total }));
        s.ui.prev.prop("disabled", s.offset === 0);
        s.ui.next.prop("disabled", s.offset + PAGE >= page.total);
        s.ui.pager.toggle(page.total > 0);
        status(s, "hint", page.total === 0 ? t("noObjects") : (s.wholeObject ? t("pickWholeObject") : t("pickObject")));
    }

    /** Fills the dialog's fields (their change runs the validators) and closes the panel. */
    function pick(s, instance, o, hasValue) {
        var property = s.wholeObject ? "" : hasValue ? "present-value" : "object-name";
        var fields = { device: String(instance), object: o.object, property: property, index: "" };
        Object.keys(fields).forEach(function (k) {
            var input = $("#node-input-" + k);
            if (input.length) { input.val(fields[k]).trigger("change"); }
        });
        hide(s);
    }

    // ---- opening and closing ----

    function open(s) {
        s.ui.panel.show();
        s.button.addClass("selected");
        showDevices(s);
    }

    function hide(s) {
        quiet(s);
        s.ui.panel.hide();
        s.button.removeClass("selected");
    }

    /**
     * oneditprepare: the browse button beside Device, and the (closed) panel below it.
     * options.wholeObject (fd-cov): a pick leaves Property empty, SubscribeCOV on the object,
     * which every COV device serves, rather than SubscribeCOVProperty, which fewer do.
     */
    function attach(options) {
        detach();
        var device = $("#node-input-device");
        if (device.length === 0) { return; }
        injectStyle();
        var s = (session = { wholeObject: !!(options && options.wholeObject), generation: 0, timer: null, xhrs: [], pages: {}, configId: null, view: null, polls: 0, nameRefreshes: 0 });
        s.ui = buildPanel();
        device.addClass("bacnet-fd-browse-input");
        s.button = $('<button type="button" id="node-input-bacnet-browse" class="red-ui-button bacnet-fd-browse-button">')
            .append(icon("fa-search")).attr("title", t("buttonTip")).insertAfter(device);
        s.ui.panel.insertAfter(device.closest(".form-row"));
        s.button.on("click", function (e) {
            e.preventDefault();
            if (s.ui.panel.is(":visible")) { hide(s); } else { open(s); }
        });
        s.ui.close.on("click", function () { hide(s); });
        s.ui.back.on("click", function () { showDevices(s); });
        s.ui.whoIs.on("click", function () { whoIs(s); });
        s.ui.refresh.on("click", function () {
            if (s.view === "objects") {
                delete s.pages[s.device.instance + "/" + s.offset];
                showObjects(s, s.device, s.offset);
            } else {
                showDevices(s);
            }
        });
        s.ui.prev.on("click", function () { showObjects(s, s.device, Math.max(0, s.offset - PAGE)); });
        s.ui.next.on("click", function () { showObjects(s, s.device, s.offset + PAGE); });
        // Another config node: its devices, not the last one's.
        $("#node-input-bbmd").on("change.bacnetFdBrowser", function () {
            if (s.ui.panel.is(":visible") && chosenConfig() !== s.configId) { s.pages = {}; showDevices(s); }
        });
    }

    /** oneditsave, oneditcancel, oneditdelete: nothing of the browser keeps running. */
    function detach() {
        if (!session) { return; }
        quiet(session);
        $("#node-input-bbmd").off("change.bacnetFdBrowser");
        session = null;
    }

    var styled = false;
    function injectStyle() {
        if (styled) { return; }
        styled = true;
        $("<style>").text([
            ".bacnet-fd-browse-input { width: calc(70% - 38px) !important; }",
            ".bacnet-fd-browse-button { margin-left: 4px; }",
            ".bacnet-fd-browser { border: 1px solid var(--red-ui-secondary-border-color, #ddd); border-radius: 4px; padding: 6px 8px; background: var(--red-ui-secondary-background, #fff); }",
            ".bacnet-fd-browser-head { display: flex; align-items: center; gap: 4px; }",
            ".bacnet-fd-browser-title { flex: 1; font-weight: bold; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; margin-left: 2px; }",
            ".bacnet-fd-browser-status { min-height: 20px; margin: 4px 2px; font-size: 12px; color: var(--red-ui-secondary-text-color, #888); }",
            ".bacnet-fd-browser-status.bacnet-fd-browser-error { color: var(--red-ui-text-color-error, #AD1625); }",
            ".bacnet-fd-browser-list { max-height: 300px; overflow-y: auto; }",
            ".bacnet-fd-browser-table { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 12px; }",
            ".bacnet-fd-browser-table th { position: sticky; top: 0; text-align: left; font-weight: normal; color: var(--red-ui-secondary-text-color, #888); background: var(--red-ui-secondary-background, #fff); border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); padding: 2px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
            ".bacnet-fd-browser-table td { padding: 3px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); }",
            ".bacnet-fd-browser-table tbody tr { cursor: pointer; }",
            ".bacnet-fd-browser-table tbody tr:hover, .bacnet-fd-browser-table tbody tr:focus { background: var(--red-ui-list-item-background-hover, #e6e6e6); outline: none; }",
            ".bacnet-fd-browser-muted { color: var(--red-ui-tertiary-text-color, #aaa); font-style: italic; }",
            ".bacnet-fd-browser-pager { display: flex; align-items: center; justify-content: flex-end; gap: 6px; margin-top: 6px; font-size: 12px; }"
        ].join("\n")).appendTo("head");
    }

    window.bacnetFdPointBrowser = { attach: attach, detach: detach };
})();
