namespace EmbeddedWeb;

/// <summary>The last hosts the proxy relayed responses from, newest first, with how many responses each gave.</summary>
public sealed class RecentHosts
{
    private const int Capacity = 50;
    private readonly LinkedList<(string Host, int Count)> _hosts = new();

    public void Saw(string host)
    {
        lock (_hosts)
        {
            var node = _hosts.First;
            while (node is not null && node.Value.Host != host)
            {
                node = node.Next;
            }

            var count = 1;
            if (node is not null)
            {
                count += node.Value.Count;
                _hosts.Remove(node);
            }

            _hosts.AddFirst((host, count));
            if (_hosts.Count > Capacity)
            {
                _hosts.RemoveLast();
            }
        }
    }

    public IReadOnlyList<RecentHost> List()
    {
        lock (_hosts)
        {
            return [.. _hosts.Select(h => new RecentHost(h.Host, h.Count))];
        }
    }
}

/// <summary>One host and the responses it gave.</summary>
public sealed record RecentHost(string Host, int Responses);
