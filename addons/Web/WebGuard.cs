using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// What every request passes before it reaches the page or the API: a Host header naming this server (against DNS
/// rebinding), the token (cookie, bearer header or <c>?token=</c>), and for requests that change something a header
/// a cross-site form cannot send and, when the browser names it, this server's own origin (against CSRF).
/// <c>GET /?token=...</c> trades the token for an HttpOnly cookie and redirects, so the token leaves the address bar.
/// </summary>
internal sealed class WebGuard(string token, string webHost)
{
    public const string CsrfHeader = "X-Requested-With";
    public const string CsrfValue = "addons-web";
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    /// <summary>The cookie's name: cookies are shared by every port of a host, so two hosts' tokens must not collide.</summary>
    public static string CookieName(int port) => $"addons-web-token-{port}";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";

        if (!IsOwnHost(request.Host))
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status403Forbidden,
                $"The Host header \"{request.Host}\" does not name this server; open it by its IP address, localhost or web_host.");
            return;
        }

        var fromQuery = Matches(request.Query["token"].ToString());
        if (!fromQuery && !Matches(request.Cookies[CookieName(context.Connection.LocalPort)]) && !Matches(Bearer(request)))
        {
            var sentence = "This needs the web interface's token: open the address the proxy printed at start (Web interface at http://...?token=...).";
            if (IsMachinePath(request.Path))
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status401Unauthorized, sentence);
            }
            else
            {
                response.StatusCode = StatusCodes.Status401Unauthorized;
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync(sentence, context.RequestAborted);
            }

            return;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status403Forbidden, $"Requests from the page at {origin} are refused; only this server's own page may call it.");
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && request.Headers[CsrfHeader] != CsrfValue)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status403Forbidden, $"A {request.Method} needs the header {CsrfHeader}: {CsrfValue}, which only this server's page sends.");
            return;
        }

        if (fromQuery && HttpMethods.IsGet(request.Method) && request.Path == "/")
        {
            response.Cookies.Append(CookieName(context.Connection.LocalPort), token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                IsEssential = true,
            });
            response.StatusCode = StatusCodes.Status303SeeOther;
            response.Headers.Location = "/";
            return;
        }

        await next(context);
    }

    private static bool IsMachinePath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/updates");

    private static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
    }

    private bool Matches(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);

    /// <summary>
    /// A loopback name, any IP literal (a rebinding attack needs a DNS name), or web_host itself. A name an attacker's
    /// DNS points at 127.0.0.1 is none of these.
    /// </summary>
    private bool IsOwnHost(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host.Trim('[', ']');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || IPAddress.TryParse(name, out _)
            || name.Equals(webHost, StringComparison.OrdinalIgnoreCase);
    }
}
