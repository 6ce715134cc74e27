"""Word lists of the sample portfolio: company names, people, survey comments, goals, milestones."""

from __future__ import annotations

PT_PREFIX = [
    "Padaria",
    "Transportes",
    "Clínica",
    "Construtora",
    "Agropecuária",
    "Farmácia",
    "Escola",
    "Logística",
    "Distribuidora",
    "Laboratório",
    "Imobiliária",
    "Hotel",
    "Restaurante",
    "Comercial",
    "Indústria",
    "Editora",
]
PT_NAME = [
    "Silva",
    "Souza",
    "Oliveira",
    "Santos",
    "Pereira",
    "Costa",
    "Almeida",
    "Ferreira",
    "Rodrigues",
    "Gomes",
    "Ribeiro",
    "Carvalho",
    "Araújo",
    "Lima",
    "Barbosa",
    "Rocha",
    "Mendes",
    "Nogueira",
    "Teixeira",
    "Moura",
]
PT_PLACE = [
    "Paulista",
    "Carioca",
    "Mineira",
    "do Sul",
    "Nordeste",
    "Litoral",
    "Serra Azul",
    "Boa Vista",
    "Ipiranga",
    "Horizonte",
    "Vale Verde",
    "Cerrado",
]
PT_SUFFIX = ["Ltda.", "S.A.", "ME", "EIRELI"]
EN_PREFIX = [
    "Northwind",
    "Bluebird",
    "Harbor",
    "Summit",
    "Evergreen",
    "Redwood",
    "Silverline",
    "Brightpath",
    "Ironbridge",
    "Maple",
    "Cobalt",
    "Lakeside",
]
EN_NAME = ["Analytics", "Logistics", "Health", "Foods", "Learning", "Retail", "Labs", "Energy", "Media", "Finance"]
EN_SUFFIX = ["Inc.", "LLC", "Ltd.", "Co."]
CSMS = [
    "Ana Ribeiro",
    "Bruno Carvalho",
    "Camila Nunes",
    "Diego Martins",
    "Elisa Moreira",
    "Felipe Duarte",
    "Gabriela Rocha",
    "Henrique Alves",
]
SEGMENTS = {"SMB": (1_000.0, 0.55), "Mid-Market": (5_000.0, 0.5), "Enterprise": (22_000.0, 0.45)}
PLANS = {"SMB": "Essencial", "Mid-Market": "Profissional", "Enterprise": "Enterprise"}
COMMENTS = {
    "pt-BR": {
        "promoter": [
            "Excelente atendimento, a equipe é muito próxima.",
            "A plataforma mudou nossa rotina, recomendo!",
            "Suporte rápido e resolutivo.",
            "Ótimo custo-benefício e ótimas integrações.",
        ],
        "passive": [
            "Bom produto, mas faltam alguns relatórios.",
            "Funciona bem, a implantação foi um pouco lenta.",
            "Atende, mas poderia ser mais simples.",
        ],
        "detractor": [
            "Chamados demoram para ser resolvidos.",
            "Tivemos instabilidade no último mês.",
            "O preço subiu e o valor não acompanhou.",
            "Falta treinamento para a equipe.",
        ],
    },
    "en": {
        "promoter": [
            "Great team, they really understand our business.",
            "The platform saves us hours every week.",
            "Fast, helpful support.",
        ],
        "passive": ["Solid product, reporting could be better.", "Works well, onboarding took a while."],
        "detractor": [
            "Tickets take too long to resolve.",
            "We had outages last month.",
            "Too expensive for what we use.",
        ],
    },
}
GOALS = {
    "pt-BR": [
        ("Reduzir o tempo médio de atendimento", "TMA", "min", 12.0, 8.0),
        ("Aumentar a adoção da plataforma", "Usuários ativos", "%", 45.0, 80.0),
        ("Diminuir retrabalho no faturamento", "Erros por mês", "erros", 30.0, 10.0),
        ("Acelerar o fechamento mensal", "Dias para fechar", "dias", 10.0, 5.0),
        ("Aumentar a satisfação dos clientes finais", "CSAT", "%", 70.0, 85.0),
    ],
    "en": [
        ("Cut average handling time", "AHT", "min", 12.0, 8.0),
        ("Increase platform adoption", "Active users", "%", 45.0, 80.0),
        ("Reduce billing rework", "Errors per month", "errors", 30.0, 10.0),
        ("Close the books faster", "Days to close", "days", 10.0, 5.0),
    ],
}
MILESTONES = {
    "pt-BR": [
        ("30", "Kickoff e configuração inicial", "vendor"),
        ("30", "Envio dos dados de cadastro", "client"),
        ("60", "Treinamento dos usuários-chave", "vendor"),
        ("60", "Integração com o ERP", "client"),
        ("90", "Primeiro relatório de resultados", "vendor"),
        ("90", "Validação do ROI com a diretoria", "client"),
    ],
    "en": [
        ("30", "Kickoff and initial setup", "vendor"),
        ("30", "Send master data", "client"),
        ("60", "Train key users", "vendor"),
        ("60", "ERP integration", "client"),
        ("90", "First results report", "vendor"),
        ("90", "ROI review with leadership", "client"),
    ],
}
CONTACTS = ["Mariana Lopes", "Rafael Teixeira", "Juliana Prado", "Paulo Vieira", "Sarah Miller", "John Carter"]

PT_CITY = [
    "Campinas",
    "Recife",
    "Curitiba",
    "Goiânia",
    "Salvador",
    "Belém",
    "Londrina",
    "Natal",
    "Vitória",
    "Maringá",
    "Joinville",
    "Santos",
    "Uberlândia",
    "Sorocaba",
    "Cuiabá",
    "Manaus",
]
EN_CITY = ["Austin", "Denver", "Boston", "Leeds", "Bristol", "Dublin", "Toronto", "Sydney", "Seattle", "Atlanta"]
FIRST = [
    "Ana",
    "Bruno",
    "Camila",
    "Diego",
    "Elisa",
    "Felipe",
    "Gabriela",
    "Henrique",
    "Isabela",
    "João",
    "Karina",
    "Lucas",
    "Marina",
    "Nathalia",
    "Otávio",
    "Patrícia",
    "Rafael",
    "Sofia",
    "Thiago",
    "Vanessa",
    "Wagner",
    "Yasmin",
    "Leonardo",
    "Beatriz",
]
LAST = [
    "Ribeiro",
    "Carvalho",
    "Nunes",
    "Martins",
    "Moreira",
    "Duarte",
    "Rocha",
    "Alves",
    "Freitas",
    "Pinto",
    "Barros",
    "Cardoso",
    "Correia",
    "Dias",
    "Fernandes",
    "Lopes",
    "Machado",
    "Monteiro",
    "Ramos",
    "Siqueira",
    "Tavares",
    "Vasconcelos",
    "Xavier",
    "Azevedo",
]
