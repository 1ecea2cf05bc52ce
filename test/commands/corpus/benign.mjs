/**
 * Everyday commands, written for this project: what developers and operators type daily across
 * git, package managers, containers, Kubernetes, IaC, cloud CLIs, text and file tools, PowerShell
 * and cmd, including the scary-looking legitimate ones. Expanded by generate.mjs.
 */
const branches = ['main', 'develop', 'feature/login', 'fix/null-check', 'release/2.4'];
const files = ['src/index.ts', 'README.md', 'package.json', 'app/models/user.rb', 'cmd/server/main.go', 'lib/utils.py', 'docs/setup.md'];
const pkgs = ['lodash', 'react', 'express', 'typescript', 'zod', '@types/node', 'vitest', 'eslint', 'prettier', 'axios'];
const pypkgs = ['requests', 'numpy', 'pandas', 'flask', 'django', 'pytest', 'black', 'boto3'];
const aptpkgs = ['jq', 'curl', 'git', 'build-essential', 'htop', 'ripgrep', 'tmux', 'postgresql-client', 'python3-pip', 'unzip'];
const images = ['node:20', 'python:3.12-slim', 'postgres:16', 'redis:7', 'nginx:alpine', 'ubuntu:24.04', 'golang:1.22'];
const ns = ['default', 'payments', 'staging', 'monitoring', 'kube-system'];
const deploys = ['web', 'api', 'worker', 'frontend', 'billing'];
const hosts = ['prod-web-1', 'bastion.example.com', 'db01.internal', 'build@ci-runner-3', 'deploy@10.0.4.12'];
const buckets = ['my-app-assets', 'team-logs-2024', 'backup-bucket'];

const git = [
  'git status', 'git status -sb', 'git diff', 'git diff --staged', 'git log --oneline -20', 'git log --graph --oneline --all', 'git fetch --all --prune',
  'git pull --rebase', 'git stash', 'git stash pop', 'git stash list', 'git rebase -i HEAD~3', 'git commit --amend --no-edit', 'git reset --hard HEAD~1',
  'git reset --soft HEAD~1', 'git clean -fdx', 'git clean -fd', 'git cherry-pick abc1234', 'git tag -a v1.2.0 -m "release 1.2.0"', 'git push --tags',
  'git remote -v', 'git remote add upstream https://github.com/example/project.git', 'git submodule update --init --recursive', 'git bisect start',
  'git blame src/index.ts', 'git show HEAD', 'git gc --prune=now', 'git worktree add ../hotfix hotfix', 'git config --global user.name "Dev Person"',
  'git config --global pull.rebase true', 'git clone https://github.com/example/repo.git', 'git clone git@github.com:example/repo.git',
  'git clone --depth 1 https://github.com/example/big.git', 'git rm --cached .env', 'git restore --staged .', 'git switch -c new-branch',
  'git log -p -- src/', 'git shortlog -sn', 'git describe --tags', 'git apply patch.diff', 'git am < 0001-fix.patch', 'git lfs pull',
];
for (const b of branches) git.push(`git checkout ${b}`, `git push origin ${b}`, `git push --force-with-lease origin ${b}`, `git merge --no-ff ${b}`, `git branch -D ${b}`, `git rebase origin/${b}`, `git log ${b}..HEAD`, `git push -u origin ${b}`);
for (const f of files) git.push(`git add ${f}`, `git checkout -- ${f}`, `git log --follow ${f}`, `git diff HEAD~1 -- ${f}`);
for (const m of ['fix: handle empty input', 'feat: add login page', 'chore: bump deps', 'docs: update README', 'refactor: split module']) git.push(`git commit -m "${m}"`, `git commit -am '${m}'`);

const node = ['npm install', 'npm ci', 'npm test', 'npm run build', 'npm run dev', 'npm run lint -- --fix', 'npm audit', 'npm audit fix', 'npm outdated',
  'npm update', 'npm ls --depth=0', 'npm publish --access public', 'npm version patch', 'npm pack', 'npm cache clean --force', 'npm init -y', 'npx tsc --noEmit',
  'npx vitest run', 'npx prettier --write .', 'npx eslint . --ext .ts', 'npx create-react-app my-app', 'npx playwright install --with-deps',
  'yarn', 'yarn install --frozen-lockfile', 'yarn build', 'yarn test --watch', 'pnpm install', 'pnpm -r build', 'pnpm dlx create-vite', 'pnpm test',
  'rm -rf node_modules package-lock.json && npm install', 'rm -rf node_modules', 'rm -rf dist build .next', 'node --version', 'node server.js',
  'node -e "console.log(process.versions)"', 'NODE_ENV=production node dist/index.js', 'node --inspect-brk app.js', 'corepack enable', 'nvm use 20', 'bun install', 'bun run dev', 'deno run --allow-net server.ts'];
for (const p of pkgs) node.push(`npm install ${p}`, `npm i -D ${p}`, `npm uninstall ${p}`, `yarn add ${p}`, `pnpm add ${p}`, `npm view ${p} version`, `npm info ${p}`);

const docker = ['docker ps', 'docker ps -a', 'docker images', 'docker compose up -d', 'docker compose down -v', 'docker compose logs -f api', 'docker compose build --no-cache',
  'docker system prune -af', 'docker volume prune -f', 'docker image prune -a', 'docker network ls', 'docker build -t myapp:latest .', 'docker build -f Dockerfile.dev -t app:dev .',
  'docker login ghcr.io -u myuser --password-stdin < token.txt', 'docker tag myapp:latest ghcr.io/acme/myapp:1.2.0', 'docker push ghcr.io/acme/myapp:1.2.0',
  'docker run --rm -it -v "$PWD":/app -w /app node:20 npm test', 'docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=devpass postgres:16', 'docker exec -it web sh',
  'docker exec -it db psql -U postgres', 'docker logs --tail 100 -f web', 'docker stats --no-stream', 'docker inspect web', 'docker cp web:/app/log.txt .',
  'docker buildx build --platform linux/amd64,linux/arm64 -t acme/app:1.0 --push .', 'docker rm -f $(docker ps -aq)', 'docker rmi $(docker images -q -f dangling=true)',
  'docker run --rm -v /var/run/docker.sock:/var/run/docker.sock wagoodman/dive myapp:latest', 'podman ps', 'podman build -t app .'];
for (const i of images) docker.push(`docker pull ${i}`, `docker run --rm ${i} --version`, `docker run --rm -it ${i} bash`, `docker run -d --name svc-${i.split(':')[0]} ${i}`);

const k8s = ['kubectl get pods', 'kubectl get pods -A', 'kubectl get nodes -o wide', 'kubectl get svc', 'kubectl get ingress -A', 'kubectl config get-contexts',
  'kubectl config use-context staging', 'kubectl apply -f k8s/', 'kubectl apply -k overlays/prod', 'kubectl diff -f deploy.yaml', 'kubectl top pods', 'kubectl top nodes',
  'kubectl get events --sort-by=.metadata.creationTimestamp', 'kubectl port-forward svc/web 8080:80', 'kubectl cp default/web-0:/tmp/dump.sql ./dump.sql',
  'kubectl auth can-i create pods', 'kubectl api-resources', 'kubectl explain deployment.spec', 'kubectl cluster-info', 'kubectl drain node-3 --ignore-daemonsets',
  'kubectl cordon node-3', 'kubectl uncordon node-3', 'kubectl create secret generic db-creds --from-literal=user=app --dry-run=client -o yaml',
  'helm repo add bitnami https://charts.bitnami.com/bitnami', 'helm repo update', 'helm list -A', 'helm install redis bitnami/redis -n cache --create-namespace',
  'helm upgrade --install web ./chart -f values-prod.yaml', 'helm uninstall redis -n cache', 'helm template ./chart | kubectl apply -f -', 'helm rollback web 3',
  'k9s', 'kubectx prod', 'kubens payments', 'stern web -n staging', 'kind create cluster', 'minikube start', 'k3d cluster create dev'];
for (const n of ns) for (const d of deploys) k8s.push(`kubectl get deploy ${d} -n ${n}`, `kubectl logs deploy/${d} -n ${n} --tail=200`, `kubectl rollout restart deploy/${d} -n ${n}`, `kubectl rollout status deploy/${d} -n ${n}`, `kubectl scale deploy/${d} --replicas=3 -n ${n}`, `kubectl describe pod -l app=${d} -n ${n}`, `kubectl delete pod -l app=${d} -n ${n}`, `kubectl exec -it deploy/${d} -n ${n} -- sh`);

const iac = ['terraform init', 'terraform plan', 'terraform plan -out tfplan', 'terraform apply tfplan', 'terraform apply -auto-approve', 'terraform fmt -recursive',
  'terraform validate', 'terraform state list', 'terraform output -json', 'terraform workspace select staging', 'terraform import aws_s3_bucket.b my-bucket',
  'terraform providers lock -platform=linux_amd64', 'pulumi up', 'pulumi preview', 'ansible-playbook -i inventory site.yml --check', 'ansible all -m ping', 'packer build image.pkr.hcl', 'tflint', 'terragrunt run-all plan'];
const cloud = ['aws sts get-caller-identity', 'aws s3 ls', 'aws ec2 describe-instances --filters Name=tag:Env,Values=prod', 'aws logs tail /aws/lambda/api --follow',
  'aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com',
  'aws lambda invoke --function-name hello out.json', 'aws cloudformation deploy --template-file t.yaml --stack-name app', 'aws configure list', 'aws configure get region',
  'aws sso login --profile dev', 'aws eks update-kubeconfig --name prod-cluster', 'aws iam list-roles --max-items 10', 'aws ssm start-session --target i-0abc123',
  'gcloud auth login', 'gcloud config set project my-project', 'gcloud compute instances list', 'gcloud container clusters get-credentials prod --region europe-west1',
  'gcloud run deploy api --source .', 'gcloud builds submit --tag gcr.io/my-project/app', 'gcloud logging read "severity>=ERROR" --limit 20',
  'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://run.googleapis.com/v1/projects/p/locations/l/services',
  'az login', 'az account show', 'az group list -o table', 'az aks get-credentials -g rg -n aks1', 'az webapp deploy --src-path app.zip -g rg -n web',
  'az storage blob list --account-name acct -c logs -o table', 'az vm list -d -o table', 'doctl kubernetes cluster list', 'flyctl deploy', 'vercel --prod', 'netlify deploy --prod', 'heroku logs --tail -a myapp'];
for (const b of buckets) cloud.push(`aws s3 sync ./dist s3://${b}/`, `aws s3 cp s3://${b}/report.csv .`, `aws s3 ls s3://${b}/ --recursive --human-readable`, `gsutil ls gs://${b}`, `gsutil -m cp -r gs://${b}/data ./data`);

const pkgmgr = ['sudo apt-get update', 'sudo apt update && sudo apt upgrade -y', 'sudo apt-get autoremove -y', 'apt list --installed', 'apt-cache policy nginx',
  'brew update', 'brew upgrade', 'brew doctor', 'brew services start postgresql@16', 'brew list', 'brew cleanup', 'pip install -r requirements.txt',
  'pip install --upgrade pip', 'pip freeze > requirements.txt', 'python3 -m venv .venv', 'source .venv/bin/activate', '. .venv/bin/activate', 'pip install -e .',
  'poetry install', 'poetry add httpx', 'uv pip install -r requirements.txt', 'uv sync', 'pipx install ruff', 'conda activate ml', 'conda env create -f environment.yml',
  'cargo build --release', 'cargo test', 'cargo add serde --features derive', 'cargo clippy -- -D warnings', 'rustup update', 'go mod tidy', 'go test ./...',
  'go build -o bin/server ./cmd/server', 'go install golang.org/x/tools/gopls@latest', 'make', 'make clean', 'make -j8', 'make test', 'cmake -B build && cmake --build build',
  'sudo dnf install -y git', 'sudo yum install -y htop', 'sudo pacman -Syu', 'sudo snap install code --classic', 'gem install bundler', 'bundle install', 'bundle exec rails s',
  'composer install', 'mvn clean package -DskipTests', 'gradle build', './gradlew test', 'dotnet build', 'dotnet test', 'sudo dpkg -i ./google-chrome-stable_current_amd64.deb'];
for (const p of aptpkgs) pkgmgr.push(`sudo apt-get install -y ${p}`, `sudo apt install ${p}`, `brew install ${p}`, `apt show ${p}`);
for (const p of pypkgs) pkgmgr.push(`pip install ${p}`, `pip3 install --user ${p}`, `pip uninstall -y ${p}`, `python3 -m pip install ${p}==1.0`);

const filetools = ['ls -la', 'ls -lah ~/Downloads', 'll', 'tree -L 2', 'pwd', 'cd ~/projects/app', 'cd ..', 'mkdir -p build/out', 'cp -r templates/ out/', 'mv old.txt new.txt',
  'rm -f *.log', 'rm -rf ./tmp', 'rm -rf /tmp/build-*', 'rm -rf target/ .pytest_cache __pycache__', 'rm -rf ~/.cache/pip', 'rm -rf ~/Library/Caches/Yarn',
  'find . -name "*.pyc" -delete', "find . -name '*.log' -delete", 'find . -type f -name "*.tmp" -mtime +7 -exec rm {} \\;', 'find . -type d -name node_modules -prune -exec rm -rf {} +',
  'find src -name "*.ts" | xargs grep -l TODO', "find . -type f -size +100M", 'find /var/log -name "*.gz" -mtime +30 -delete', 'du -sh * | sort -h', 'df -h', 'stat package.json',
  'grep -rn "TODO" src/', 'grep -ri "error" logs/app.log | tail -50', 'grep -v "^#" config.ini', 'rg "fn main" --type rust', 'ag "useEffect" src/',
  "sed -i 's/localhost/127.0.0.1/g' config.yaml", "sed -n '10,20p' server.log", "awk '{print $1}' access.log | sort | uniq -c | sort -rn | head",
  "awk -F, '{sum+=$3} END {print sum}' data.csv", 'cut -d: -f1 /etc/passwd', 'sort -u names.txt', 'wc -l src/*.ts', 'head -n 50 big.csv', 'tail -f /var/log/syslog',
  'less +F app.log', 'cat README.md', 'cat ~/.ssh/id_rsa.pub', 'cat ~/.ssh/config', 'cat /etc/os-release', 'cat ~/.bashrc', 'diff -u a.txt b.txt', 'jq . package.json',
  "jq '.dependencies | keys' package.json", "jq -r '.items[].metadata.name' pods.json", 'yq e ".spec.replicas" deploy.yaml', 'xargs -n1 echo < list.txt',
  'tar czf backup.tar.gz src/', 'tar xzf release.tar.gz -C /opt/app', 'tar -tvf archive.tar', 'zip -r site.zip public/', 'unzip -o bundle.zip -d out/',
  'gzip -9 dump.sql', 'gunzip data.csv.gz', 'rsync -avz ./dist/ deploy@web1:/var/www/app/', 'rsync -av --delete src/ backup/src/', 'rsync -avP user@host:/data/ ./data/',
  'chmod +x scripts/deploy.sh', 'chmod 600 ~/.ssh/id_ed25519', 'chmod -R 755 public/', 'chmod 644 index.html', 'chown -R www-data:www-data /var/www/app', 'sudo chown -R $USER ~/.npm',
  'ln -s ../shared/config.yaml config.yaml', 'touch .env.local', 'echo "node_modules" >> .gitignore', 'echo "export PATH=$HOME/.local/bin:$PATH" >> ~/.bashrc',
  'echo \'eval "$(direnv hook bash)"\' >> ~/.bashrc', 'source ~/.bashrc', 'source ~/.zshrc', 'export EDITOR=vim', 'alias gs="git status"', 'which python3', 'type ll', 'file image.png',
  'md5sum release.tar.gz', 'sha256sum -c SHA256SUMS', 'base64 -d secret.b64 > cert.pem', 'base64 -w0 image.png > image.b64', 'echo "aGVsbG8gd29ybGQ=" | base64 -d', 'openssl rand -hex 32',
  'openssl x509 -in cert.pem -noout -text', 'openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr', 'ssh-keygen -t ed25519 -C "me@example.com"',
  'ssh-keygen -y -f ~/.ssh/id_ed25519', 'ssh-add ~/.ssh/id_ed25519', 'ssh-copy-id deploy@web1', 'vim src/main.ts', 'nano /etc/hosts', 'code .', 'open .', 'xdg-open report.pdf',
  'watch -n 2 kubectl get pods', 'time npm run build', 'nohup python3 train.py > train.log 2>&1 &', 'timeout 30 ./integration-test.sh', 'env | grep ^NODE', 'printenv PATH',
  'history | grep docker', 'clear', 'date -u +%Y-%m-%dT%H:%M:%SZ', 'uname -a', 'whoami', 'id', 'uptime', 'free -h', 'top -b -n 1 | head -20', 'htop', 'ps aux | grep node',
  'pgrep -fl python', 'kill 4242', 'kill -9 31337', 'pkill -f "vite"', 'lsof -i :3000', 'ss -tlnp', 'netstat -an | grep LISTEN', 'ip addr show', 'ping -c 3 example.com',
  'dig example.com +short', 'nslookup github.com', 'traceroute example.com', 'host example.com', 'nc -zv db.internal 5432', 'telnet smtp.example.com 25',
  'curl -I https://example.com', 'curl -s https://api.github.com/repos/nodejs/node | jq .stargazers_count', 'curl -fsSL https://example.com/install.sh -o install.sh',
  'curl -LO https://github.com/cli/cli/releases/download/v2.40.0/gh_2.40.0_linux_amd64.tar.gz', 'curl -X POST -H "Content-Type: application/json" -d \'{"name":"test"}\' http://localhost:3000/api/items',
  'curl -u admin:$ADMIN_PASS https://jenkins.example.com/api/json', 'curl http://localhost:8080/healthz', 'curl -s http://127.0.0.1:9090/metrics | grep http_requests',
  'wget https://example.com/file.tar.gz', 'wget -qO- https://api.ipify.org', 'wget -c https://releases.ubuntu.com/24.04/ubuntu-24.04-desktop-amd64.iso',
  'http GET https://httpbin.org/get', 'python3 -m http.server 8000', 'python3 manage.py migrate', 'python3 -m pytest -x', 'python3 script.py --dry-run',
  'python3 -c "import sys; print(sys.version)"', 'python3 -c "import json,sys; print(json.load(sys.stdin)[\'version\'])" < package.json', 'perl -pi -e "s/foo/bar/g" *.txt',
  'ruby -e "puts RUBY_VERSION"', 'sqlite3 app.db ".tables"', 'psql -U postgres -c "SELECT count(*) FROM users"', 'psql "$DATABASE_URL" -f migrations/001.sql',
  'mysql -u root -p -e "SHOW DATABASES"', 'redis-cli ping', 'redis-cli --scan --pattern "session:*" | head', 'mongosh --eval "db.stats()"', 'pg_dump -Fc mydb > mydb.dump',
  'crontab -l', 'crontab -e', 'systemctl status nginx', 'sudo systemctl restart nginx', 'sudo systemctl enable --now docker', 'journalctl -u api -f', 'sudo journalctl --vacuum-size=500M',
  'sudo service postgresql restart', 'sudo ufw allow 443/tcp', 'sudo ufw status', 'sudo iptables -L -n', 'sudo rm -rf /var/lib/apt/lists/*', 'sudo usermod -aG docker $USER',
  'sudo useradd -m -s /bin/bash deploy', 'sudo passwd deploy', 'sudo -i', 'sudo su - postgres', 'sudo reboot', 'sudo tee /etc/nginx/conf.d/app.conf < app.conf',
  'echo "127.0.0.1 myapp.local" | sudo tee -a /etc/hosts', 'sudo mount /dev/sdb1 /mnt/data', 'lsblk', 'sudo fdisk -l', 'dd if=ubuntu.iso of=/tmp/copy.iso bs=4M',
  'screen -S work', 'tmux new -s dev', 'tmux attach -t dev', 'ssh-keyscan github.com >> ~/.ssh/known_hosts', 'gpg --verify release.tar.gz.sig', 'gpg --import pubkey.asc',
  'shellcheck scripts/*.sh', 'shfmt -w scripts/', 'black .', 'ruff check --fix .', 'mypy src/', 'pre-commit run --all-files', 'gh pr create --fill', 'gh pr list',
  'gh run watch', 'gh release create v1.0.0 --generate-notes', 'gh repo clone example/project', 'glab mr list', 'hub sync', 'direnv allow', 'asdf install nodejs 20.11.0',
  'mise use node@20', 'starship init bash', 'fzf', 'bat src/main.rs', 'exa -la', 'fd -e ts', 'ncdu ~', 'btop', 'neofetch', 'ffmpeg -i in.mov -vcodec h264 out.mp4',
  'convert in.png -resize 50% out.png', 'pandoc README.md -o README.pdf', 'hugo server -D', 'jekyll serve', 'mkdocs serve', 'ngrok http 3000', 'ssh -L 5432:localhost:5432 bastion.example.com',
  'ssh -D 1080 -N proxy.example.com', 'scp -r ./site deploy@web1:/var/www/', 'scp user@host:/var/log/app.log .', 'sftp deploy@files.example.com', 'mosh prod-web-1',
  'for f in *.png; do convert "$f" "${f%.png}.jpg"; done', 'for i in $(seq 1 5); do curl -s localhost:3000/ping; done', 'while true; do date; sleep 5; done',
  'if [ -f .env ]; then set -a; source .env; set +a; fi', 'test -d build || mkdir build', '[ -z "$CI" ] && echo local', 'cat <<EOF > config.json\n{"debug": true}\nEOF',
  'python3 - <<EOF\nprint("hello")\nEOF', 'export $(grep -v "^#" .env | xargs)', 'echo $PATH | tr ":" "\\n"', 'ls | wc -l', 'seq 10 | paste -sd+ | bc',
  'git ls-files | xargs wc -l | tail -1', 'docker ps -q | xargs docker stop', 'find . -name "*.sh" -exec shellcheck {} +', 'find . -name "*.ts" -not -path "./node_modules/*" | xargs sed -i "s/foo/bar/g"',
  'xargs -I{} curl -s -o /dev/null -w "%{http_code} {}\\n" {} < urls.txt', 'curl -s https://raw.githubusercontent.com/example/repo/main/config.json -o config.json',
  'helm show values bitnami/redis > values.yaml', 'kubectl get secret db-creds -o jsonpath="{.data.password}" | base64 -d', 'echo "$KUBECONFIG_B64" | base64 -d > ~/.kube/config',
  'aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text', 'vault kv get secret/app', 'op read "op://dev/db/password"',
  'gh auth status', 'npm login', 'docker context use remote', 'git push --force-with-lease', 'git push origin --delete old-branch', 'git branch -D $(git branch --merged | grep -v main)',
  'terraform destroy -target=aws_instance.test', 'kubectl delete pod web-7d9f8c-abcde', 'kubectl delete -f job.yaml', 'docker volume rm $(docker volume ls -qf dangling=true)',
  'rm -rf .terraform', 'rm -rf ~/.gradle/caches/', 'sudo rm -rf /opt/old-app', 'rm -rf build && mkdir build', 'sudo apt-get purge -y docker-ce && sudo rm -rf /var/lib/docker',
];
for (const h of hosts) filetools.push(`ssh ${h}`, `ssh ${h} 'uptime'`, `ssh ${h} "df -h && free -m"`, `ssh -i ~/.ssh/deploy_key ${h} 'sudo systemctl restart app'`, `scp dist.tar.gz ${h}:/tmp/`, `rsync -az --progress logs/ ${h}:~/logs/`);
for (const f of files) filetools.push(`cat ${f}`, `wc -l ${f}`, `grep -n "import" ${f}`, `cp ${f} ${f}.bak`, `vim ${f}`, `head -20 ${f}`, `git diff ${f}`, `sed -i 's/\\t/  /g' ${f}`);

const powershell = ['Get-ChildItem', 'Get-ChildItem -Recurse -Filter *.log', 'Get-ChildItem -Path C:\\Projects -Directory', 'Get-Process | Sort-Object CPU -Descending | Select-Object -First 10',
  'Get-Service | Where-Object Status -eq Running', 'Get-Content .\\app.log -Tail 50 -Wait', 'Get-Content package.json | ConvertFrom-Json', 'Set-Location C:\\src\\app', 'cd $HOME\\source\\repos',
  'New-Item -ItemType Directory -Path .\\build -Force', 'Remove-Item .\\dist -Recurse -Force', 'Remove-Item -Recurse -Force node_modules', 'Copy-Item .\\config.sample.json .\\config.json',
  'Move-Item .\\old.txt .\\archive\\old.txt', 'Rename-Item .\\a.txt b.txt', 'Test-Path .\\node_modules', 'Get-Location', 'Get-Date -Format o', 'Get-ComputerInfo | Select-Object OsName',
  'Get-NetIPAddress -AddressFamily IPv4', 'Test-NetConnection github.com -Port 443', 'Resolve-DnsName example.com', 'Invoke-WebRequest https://example.com/file.zip -OutFile file.zip',
  'Invoke-RestMethod https://api.github.com/repos/PowerShell/PowerShell/releases/latest | Select-Object tag_name', 'Expand-Archive .\\file.zip -DestinationPath .\\out -Force',
  'Compress-Archive -Path .\\dist\\* -DestinationPath release.zip', 'Get-FileHash .\\setup.exe -Algorithm SHA256', 'Start-Process notepad.exe', 'Start-Process code -ArgumentList "."',
  'Stop-Process -Name node -Force', 'Restart-Service -Name Spooler', 'Get-EventLog -LogName Application -Newest 20', 'Get-WinEvent -LogName System -MaxEvents 10',
  'Install-Module -Name Pester -Scope CurrentUser', 'Import-Module .\\build.psm1', 'Update-Help', 'Get-Help Get-ChildItem -Examples', 'Set-ExecutionPolicy RemoteSigned -Scope CurrentUser',
  '$env:Path += ";C:\\tools"', '$env:NODE_ENV = "development"', 'Write-Host "Build finished" -ForegroundColor Green', 'Write-Output $PSVersionTable.PSVersion',
  'Select-String -Path .\\src\\*.cs -Pattern "TODO"', 'Measure-Object -Line', 'Get-ChildItem -Recurse *.cs | Measure-Object', 'winget install --id Git.Git -e',
  'winget upgrade --all', 'choco install nodejs -y', 'scoop install ripgrep', 'dotnet new webapi -n Api', 'dotnet run --project .\\src\\Api', 'npm run build; if ($?) { npm test }',
  'git status; git log --oneline -5', '.\\build.ps1 -Configuration Release', 'pwsh -NoProfile -File .\\scripts\\release.ps1', 'powershell -ExecutionPolicy Bypass -File .\\setup.ps1',
  'Get-Acl .\\secrets | Format-List', 'New-PSDrive -Name P -PSProvider FileSystem -Root \\\\server\\share', 'Get-PSDrive', 'Get-Command git', 'Clear-Host',
  'Get-ChildItem Env:', 'Get-ChildItem Env:PATH', '$PSVersionTable', 'Get-Module -ListAvailable', 'wsl --list --verbose', 'wsl -d Ubuntu', 'code $PROFILE', 'notepad $PROFILE',
  'Get-CimInstance Win32_OperatingSystem | Select-Object Caption, Version', 'Get-Disk', 'Get-Volume', 'Get-ScheduledTask | Where-Object State -eq Ready', 'Get-LocalUser',
  'Get-LocalGroupMember -Group Administrators', 'Get-MpComputerStatus', 'Get-NetFirewallProfile', 'docker ps', 'kubectl get pods -n default', 'az account show', 'terraform plan',
  'ForEach ($f in Get-ChildItem *.txt) { Get-Content $f | Measure-Object -Word }', 'Get-ChildItem -Recurse -Include *.tmp | Remove-Item', 'Remove-Item $env:TEMP\\* -Recurse -Force -ErrorAction SilentlyContinue',
  'Get-ChildItem .\\logs -Filter *.log | Where-Object LastWriteTime -lt (Get-Date).AddDays(-30) | Remove-Item', '[System.Environment]::OSVersion', '[Convert]::ToBase64String([IO.File]::ReadAllBytes(".\\logo.png"))',
  '$json = Get-Content .\\settings.json -Raw | ConvertFrom-Json; $json.version', 'Invoke-Pester -Output Detailed', 'Start-Sleep -Seconds 5', 'Get-History', 'Set-Alias k kubectl',
  'New-Item -Path $PROFILE -ItemType File -Force', 'Add-Content -Path $PROFILE -Value "Set-Alias k kubectl"', 'Get-ItemProperty HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
  'Get-ItemProperty -Path HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', 'Get-AppxPackage *calculator*', 'Get-Printer', 'Restart-Computer -WhatIf',
  'Test-Connection 8.8.8.8 -Count 2', 'Get-NetTCPConnection -State Listen', 'netstat -ano | findstr :3000', 'ipconfig /all', 'nslookup example.com', 'tracert example.com',
  'Get-Item .\\README.md | Select-Object Length, LastWriteTime', 'Out-File -FilePath .\\out.txt -InputObject "done"', 'Get-Process | Export-Csv procs.csv -NoTypeInformation',
  'Import-Csv users.csv | ForEach-Object { $_.Name }', 'ConvertTo-Json @{a=1;b=2}', 'Get-Random -Minimum 1 -Maximum 100', 'Get-Clipboard', 'Set-Clipboard -Value "hello"'];
const cmd = ['dir', 'dir /s /b *.log', 'cd C:\\Projects\\app', 'cd /d D:\\work', 'mkdir build', 'copy config.sample.json config.json', 'xcopy /E /I src dist\\src', 'robocopy C:\\src D:\\backup /MIR',
  'del /q *.tmp', 'rmdir /s /q node_modules', 'rd /s /q build', 'del /s /q dist\\*', 'type README.md', 'more log.txt', 'findstr /n "error" app.log', 'find "TODO" main.c', 'echo %PATH%',
  'set NODE_ENV=production', 'setx JAVA_HOME "C:\\Program Files\\Java\\jdk-21"', 'where git', 'ver', 'systeminfo', 'tasklist', 'tasklist | findstr node', 'taskkill /f /im node.exe',
  'taskkill /pid 4242', 'ipconfig /flushdns', 'ping -n 3 example.com', 'netstat -ano', 'npm install', 'npm run build && npm test', 'git pull && npm ci', 'code .', 'start .',
  'start notepad', 'start "" https://example.com', 'cls', 'exit', 'call build.bat', 'build.bat release', 'msbuild App.sln /p:Configuration=Release', 'nuget restore',
  'sc query wuauserv', 'net start', 'net use Z: \\\\fileserver\\share', 'net user', 'whoami', 'hostname', 'chkdsk C:', 'sfc /verifyonly', 'schtasks /query /fo LIST',
  'reg query HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', 'certutil -hashfile setup.exe SHA256', 'curl -o file.zip https://example.com/file.zip', 'tar -xf archive.zip',
  'python -m venv .venv && .venv\\Scripts\\activate', 'py -3.12 -m pip install -r requirements.txt', 'dotnet build', 'docker compose up -d', 'wsl --shutdown', 'winget install Microsoft.PowerToys',
  'for %f in (*.txt) do type %f', 'if exist build rmdir /s /q build', 'powershell -Command "Get-Date"', 'powershell -NoProfile -ExecutionPolicy Bypass -File scripts\\build.ps1',
  'cmd /c "npm install && npm run build"', 'echo done > status.txt', 'attrib -r config.ini', 'icacls C:\\app\\logs /grant Users:M', 'mklink /D link target', 'shutdown /a',
  'msiexec /i C:\\installers\\app.msi /qn', 'regsvr32 /s C:\\app\\plugin.dll', 'bitsadmin /list', 'vssadmin list shadows', 'wevtutil qe System /c:5 /f:text', 'netsh wlan show profiles',
  'netsh advfirewall show allprofiles', 'gpupdate /force', 'gpresult /r', 'assoc .txt', 'ftype', 'diskpart /?', 'format /?', 'cipher /?'];


const scripts = ['build', 'test', 'lint', 'dev', 'start', 'typecheck', 'format', 'e2e'];
for (const sc of scripts) node.push(`npm run ${sc}`, `yarn ${sc}`, `pnpm run ${sc}`, `bun run ${sc}`);
const services = ['api', 'db', 'redis', 'worker', 'web'];
for (const sv of services) docker.push(`docker compose restart ${sv}`, `docker compose logs --tail=50 ${sv}`, `docker compose exec ${sv} sh`, `docker compose up -d --build ${sv}`, `docker compose stop ${sv}`);
const endpoints = ['http://localhost:3000/api/users', 'https://api.example.com/v1/orders', 'http://127.0.0.1:8000/docs', 'https://httpbin.org/anything'];
for (const e of endpoints) filetools.push(`curl -s ${e} | jq .`, `curl -i ${e}`, `curl -X DELETE ${e}/42`, `curl -H "Accept: application/json" ${e}`, `http ${e}`);
const dirs = ['src', 'docs', 'assets', 'config', 'scripts', 'tests'];
for (const d of dirs) filetools.push(`tar czf ${d}.tgz ${d}/`, `zip -r ${d}.zip ${d}`, `du -sh ${d}`, `ls -la ${d}/`, `find ${d} -type f | wc -l`, `grep -rl "deprecated" ${d}/`);
const psDirs = ['C:\\Projects\\web', '.\\src', '$HOME\\Documents\\notes', 'D:\\builds'];
for (const d of psDirs) powershell.push(`Get-ChildItem -Path ${d} -Recurse -File | Measure-Object -Property Length -Sum`, `Set-Location ${d}`, `Get-ChildItem ${d} -Filter *.md`, `Test-Path ${d}`, `New-Item -ItemType Directory -Force -Path ${d}\\out`);
const pyScripts = ['train.py', 'manage.py runserver', 'scripts/seed_db.py', 'app.py --port 5000', '-m black .', '-m mypy src', '-m pip list --outdated'];
for (const py of pyScripts) pkgmgr.push(`python3 ${py}`, `python ${py}`);
const cmdExtra = ['npm run start', 'yarn build', 'git status', 'git push origin main', 'docker ps -a', 'kubectl get pods', 'type package.json | findstr version', 'dir /a', 'copy /y a.txt b.txt', 'move old.log logs\\old.log', 'echo %USERNAME%', 'set PATH=%PATH%;C:\\tools', 'timeout /t 5', 'pause', 'title Build', 'color 0a', 'chcp 65001', 'tree /f', 'fc a.txt b.txt', 'sort names.txt'];
cmd.push(...cmdExtra);

export const benign = [
  ...git.map((c) => ['git', 'bash', c]),
  ...node.map((c) => ['node', 'bash', c]),
  ...docker.map((c) => ['docker', 'bash', c]),
  ...k8s.map((c) => ['kubernetes', 'bash', c]),
  ...iac.map((c) => ['iac', 'bash', c]),
  ...cloud.map((c) => ['cloud', 'bash', c]),
  ...pkgmgr.map((c) => ['packages', 'bash', c]),
  ...filetools.map((c) => ['files', 'bash', c]),
  ...powershell.map((c) => ['powershell', 'powershell', c]),
  ...cmd.map((c) => ['cmd', 'cmd', c]),
  // zsh/sh variants of common lines
  ...git.slice(0, 40).map((c) => ['git', 'zsh', c]),
  ...filetools.slice(0, 60).map((c) => ['files', 'sh', c]),
  // Unicode and line-ending controls that must not be flagged (threats §3.3)
  ['unicode', 'bash', 'echo café'], ['unicode', 'bash', 'echo "naïve résumé"'], ['unicode', 'bash', 'echo "مرحبا بالعالم"'], ['unicode', 'bash', 'echo "می\u200cخواهم بروم"'],
  ['unicode', 'bash', 'echo "क्\u200dष"'], ['unicode', 'bash', 'echo "👨\u200d👩\u200d👧 family"'], ['unicode', 'bash', 'echo "Привет, мир! Это обычный текст."'],
  ['unicode', 'bash', 'git commit -m "Исправлена ошибка в парсере"'], ['unicode', 'bash', 'echo "日本語のテキスト"'], ['unicode', 'bash', 'echo one\r\necho two\r\n'],
  ['unicode', 'bash', '\ufeffls -la'], ['unicode', 'bash', 'grep -r "Ελληνικά" docs/'], ['unicode', 'bash', 'echo "שלום עולם"'], ['unicode', 'powershell', 'Write-Host "Grüße aus München"'],
  ['unicode', 'bash', 'curl -s https://bücher.example/api -o books.json'], ['unicode', 'bash', 'mkdir "Données clients"'], ['unicode', 'bash', 'echo "emoji 🚀 ok"'],
];
